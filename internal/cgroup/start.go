package cgroup

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Start starts cmd, as cmd.Start does, inside d: the process is in the
// cgroup before it runs the program, so whatever it forks is too. The
// zero Dir just starts cmd.
//
// cgroup v2 uses clone3's CLONE_INTO_CGROUP (SysProcAttr.UseCgroupFD).
// cgroup v1, v2 where clone3 cannot place a process (a kernel before
// 5.7, a seccomp filter), and a v2 cgroup that was killed and could not
// be made anew (Group.Kill) start the program through a gate: /bin/sh waits
// on a pipe until the agent has written its pid to cgroup.procs and then
// execs the program (same pid, same arguments; the program sees its path
// as argv[0]). Callers must not use SysProcAttr.Pdeathsig, whose meaning
// is tied to the starting thread.
func (d Dir) Start(cmd *exec.Cmd) error {
	if !d.Valid() {
		return cmd.Start()
	}
	if d.Version == V2 && !tainted(d.Path) && cloneIntoWorks(d) {
		return d.startInto(cmd)
	}
	return d.startGated(cmd)
}

// killedDirs are the v2 cgroups this process killed and could not make
// anew (Group.Kill): cloning into them may kill the child at once.
var killedDirs sync.Map

func taint(path string)        { killedDirs.Store(path, true) }
func untaint(path string)      { killedDirs.Delete(path) }
func tainted(path string) bool { _, ok := killedDirs.Load(path); return ok }

// startInto starts cmd with CLONE_INTO_CGROUP.
func (d Dir) startInto(cmd *exec.Cmd) error {
	fd, err := unix.Open(d.Path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("cgroup: %s: %w", d.Path, err)
	}
	defer unix.Close(fd)
	attr := syscall.SysProcAttr{}
	if cmd.SysProcAttr != nil {
		attr = *cmd.SysProcAttr
	}
	attr.UseCgroupFD, attr.CgroupFD = true, fd
	cmd.SysProcAttr = &attr
	return cmd.Start()
}

// cloneInto records, once per process, whether clone3 can start a
// process in a cgroup here.
var cloneInto struct {
	once sync.Once
	ok   bool
}

// cloneIntoWorks tries CLONE_INTO_CGROUP once, with a shell that exits
// at once, in a scratch cgroup beside d that was killed (cgroup.kill)
// and then made anew, as Group.Kill does: some kernels (seen on 6.18)
// kill every process cloned into a cgroup once killed, ever after, and
// only a new cgroup is free of it. Where even that fails, or clone3
// cannot place a process at all, starts go through the gate.
func cloneIntoWorks(d Dir) bool {
	cloneInto.once.Do(func() {
		scratch := Dir{Path: filepath.Join(filepath.Dir(d.Path), fmt.Sprintf(".clone-probe-%d", os.Getpid())), Version: V2}
		if err := os.Mkdir(scratch.Path, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return // not ok: the gate
		}
		defer func() { _ = syscall.Rmdir(scratch.Path) }()
		_ = writeFile(scratch.file("cgroup.kill"), "1")
		if err := scratch.renew(); err != nil {
			return
		}
		cmd := exec.Command("/bin/sh", "-c", "exit 0")
		err := scratch.startInto(cmd)
		if err == nil {
			err = cmd.Wait()
		}
		cloneInto.ok = err == nil
	})
	return cloneInto.ok
}

// maxGateFD is the highest descriptor a POSIX shell redirection can name.
const maxGateFD = 9

// startGated starts cmd through the /bin/sh gate and moves it into d
// before letting it exec the program.
func (d Dir) startGated(cmd *exec.Cmd) error {
	if cmd.Err != nil {
		return cmd.Start() // the lookup's error, as exec reports it
	}
	// A program that cannot run fails here, as exec would, not as an
	// exit status of the shell.
	if _, err := exec.LookPath(cmd.Path); err != nil {
		return err
	}
	n := 3 + len(cmd.ExtraFiles)
	if n > maxGateFD {
		return fmt.Errorf("cgroup: cannot start %s in %s: too many extra files", cmd.Path, d.Path)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("cgroup: %w", err)
	}
	defer r.Close()
	defer w.Close()
	cmd.ExtraFiles = append(cmd.ExtraFiles, r)
	// read fails at end of file, when the agent closed the pipe without
	// moving the process (it died): then the program never runs.
	script := fmt.Sprintf(`read -r _ <&%d || exit 125; exec %d<&-; exec "$@"`, n, n)
	args := append([]string{"sh", "-c", script, "baton-cgroup-gate", cmd.Path}, cmd.Args[1:]...)
	cmd.Path, cmd.Args = "/bin/sh", args
	if err := cmd.Start(); err != nil {
		return err
	}
	if err := writeFile(d.file("cgroup.procs"), strconv.Itoa(cmd.Process.Pid)); err != nil {
		_ = cmd.Process.Kill()
		w.Close()
		_ = cmd.Wait()
		return fmt.Errorf("cgroup: moving process %d into %s: %w", cmd.Process.Pid, d.Path, err)
	}
	if _, err := w.WriteString("\n"); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return fmt.Errorf("cgroup: %w", err)
	}
	return nil
}
