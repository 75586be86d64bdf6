package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batoncluster/baton/internal/clustertest"
	"github.com/batoncluster/baton/internal/dial"
)

var (
	memGroups  = flag.Int("mem-groups", 0, "TestMemory: groups of 5 to create (0: skip the test)")
	memProfile = flag.String("mem-profile", "", "TestMemory: write a heap profile (after a GC) to this file")
)

// TestMemory is where an agent's memory goes: one in-process node filled
// with -mem-groups groups of 5 dummy resources through the API, then,
// idle and after a GC, the process's resident memory split into the Go
// heap, goroutine stacks, the database file's mapped pages and the rest,
// and optionally a heap profile. It only reports; it runs when asked:
//
//	go test ./bench/scale -run TestMemory -args -mem-groups 2000 -mem-profile heap.prof
func TestMemory(t *testing.T) {
	if *memGroups <= 0 {
		t.Skip("-mem-groups not set")
	}
	if *memProfile != "" {
		runtime.MemProfileRate = 16 << 10 // finer than the default 512 KiB
	}
	n := clustertest.New(t)
	conn, err := dial.New(n.Addr(), dial.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	f := filler{conn: conn, resources: 5}
	t0 := time.Now()
	per := max(*memGroups/10, 1)
	for i := 0; i < *memGroups; i += per {
		if _, err := f.fill(ctx, i, min(i+per, *memGroups)); err != nil {
			t.Fatal(err)
		}
		t.Logf("%5d groups, %v, CPU %v, %s", min(i+per, *memGroups), time.Since(t0).Round(time.Second), processCPU().Round(time.Millisecond), memLine())
	}
	// Idle: the host's lifecycle and the controller's passes settle.
	time.Sleep(5 * time.Second)
	t.Logf("idle:        %s", memLine())
	runtime.GC()
	t.Logf("after a GC:  %s", memLine())
	if *memProfile != "" {
		w, err := os.Create(*memProfile)
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.Lookup("heap").WriteTo(w, 0); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// memLine is the process's resident memory and its parts, in MB.
func memLine() string {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	mb := func(b uint64) string { return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) }
	anon, file, db := smaps()
	return "RSS " + mb(anon+file) + " (anon " + mb(anon) + ", file " + mb(file) + ", of it the db " + mb(db) +
		"); heap in use " + mb(m.HeapInuse) + ", heap alloc " + mb(m.HeapAlloc) + ", idle not released " + mb(m.HeapIdle-m.HeapReleased) +
		", stacks " + mb(m.StackInuse) + ", goroutines " + strconv.Itoa(runtime.NumGoroutine()) + ", next GC " + mb(m.NextGC)
}

// smaps sums the process's resident anonymous and file-backed memory, and
// the resident part of the mapping of a file named db (bbolt's).
func smaps() (anon, file, db uint64) {
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return 0, 0, 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	var path string
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if !strings.HasSuffix(fields[0], ":") {
			// A mapping's header: address perms offset dev inode [path].
			path = ""
			if len(fields) >= 6 {
				path = fields[5]
			}
			continue
		}
		switch fields[0] {
		case "Anonymous:":
			kb, _ := strconv.ParseUint(fields[1], 10, 64)
			anon += kb << 10
		case "Rss:":
			kb, _ := strconv.ParseUint(fields[1], 10, 64)
			file += kb << 10
			if strings.HasSuffix(path, "/db") {
				db += kb << 10
			}
		}
	}
	return anon, file - anon, db
}
