// Command attacker is what an unprivileged local user runs against a
// baton node in tests/e2e (TestLocalAttacker). Every attempt prints one
// line: "ACCEPTED what" when it got somewhere, "refused what: why" when
// it did not.
//
//	attacker etcd HOST:PORT      put, read and add a member over gRPC, plain and TLS without a certificate
//	attacker read FILE…          read files
//	attacker dial SOCKET…        connect to Unix sockets
//	attacker listen SOCKET       serve a socket as if it were the agent's; print each caller's request
package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: attacker etcd|read|dial|listen ARG…")
		os.Exit(2)
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "etcd":
		etcd(args[0])
	case "read":
		for _, f := range args {
			b, err := os.ReadFile(f)
			report("read "+f, err, fmt.Sprintf("%d bytes", len(b)))
		}
	case "dial":
		for _, s := range args {
			c, err := net.Dial("unix", s)
			if err == nil {
				c.Close()
			}
			report("dial "+s, err, "")
		}
	case "listen":
		listen(args[0])
	default:
		os.Exit(2)
	}
}

func report(what string, err error, detail string) {
	if err != nil {
		fmt.Printf("refused %s: %v\n", what, strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	fmt.Printf("ACCEPTED %s %s\n", what, detail)
}

// etcd tries the database's client port as the attacker did:
// mint a token, read the records, add a member.
func etcd(hostport string) {
	for _, c := range []struct {
		how string
		url string
		tc  *tls.Config
	}{
		{"plain", "http://" + hostport, nil},
		{"TLS without a certificate", "https://" + hostport, &tls.Config{InsecureSkipVerify: true}},
	} {
		cli, err := clientv3.New(clientv3.Config{
			Endpoints: []string{c.url}, TLS: c.tc, DialTimeout: 3 * time.Second, Logger: zap.NewNop(),
		})
		if err != nil {
			report("etcd connect "+c.how, err, "")
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_, err = cli.Put(ctx, "/baton/v1/tokens/attacker", `{"name":"attacker","access":"full","sha256":"00"}`)
		report("etcd put "+c.how, err, "")
		resp, err := cli.Get(ctx, "/baton/v1/", clientv3.WithPrefix(), clientv3.WithCountOnly())
		detail := ""
		if err == nil {
			detail = fmt.Sprintf("%d keys", resp.Count)
		}
		report("etcd read "+c.how, err, detail)
		_, err = cli.MemberAddAsLearner(ctx, []string{"http://127.0.0.1:1"})
		report("etcd member add "+c.how, err, "")
		cancel()
		cli.Close()
	}
}

// listen serves path as a fake agent: every connection is reported with
// the request line and any Authorization header it carried.
func listen(path string) {
	l, err := net.Listen("unix", path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.Chmod(path, 0o777); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("listening")
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			r := bufio.NewReader(c)
			first := true
			for {
				line, err := r.ReadString('\n')
				line = strings.TrimSpace(line)
				if first || strings.HasPrefix(strings.ToLower(line), "authorization:") {
					fmt.Printf("ACCEPTED a caller: %s\n", line)
				}
				first = false
				if err != nil || line == "" {
					return
				}
			}
		}()
	}
}
