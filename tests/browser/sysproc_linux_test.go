package browser

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the agent if the test binary dies
// (a panic or a -timeout) before its cleanups stop it.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
