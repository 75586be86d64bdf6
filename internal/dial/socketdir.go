package dial

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ErrUnsafeSocketDir is matched (errors.Is) by a refusal to use the
// fallback socket directory, /tmp/baton-UID: another user could have made
// it, to receive the caller's calls.
var ErrUnsafeSocketDir = errors.New("dial: unsafe socket directory")

// SocketDirError says why a socket directory was refused.
type SocketDirError struct {
	Dir    string
	Reason string
}

func (e *SocketDirError) Error() string {
	return fmt.Sprintf("dial: refusing the socket directory %s: %s; it must be a directory of your own with mode 0700 (remove it, or set XDG_RUNTIME_DIR or %s)", e.Dir, e.Reason, EnvAddr)
}

// Is makes errors.Is(err, ErrUnsafeSocketDir) hold.
func (e *SocketDirError) Is(target error) bool { return target == ErrUnsafeSocketDir }

// fallbackDir is the directory of the default socket when neither root
// nor $XDG_RUNTIME_DIR picks one: /tmp is shared, so a directory there is
// only trusted once checked (checkPrivateDir).
func fallbackDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("baton-%d", euid()))
}

// isFallbackDir reports whether dir is the caller's fallback directory.
func isFallbackDir(dir string) bool {
	return euid() != 0 && filepath.Clean(dir) == fallbackDir()
}

// checkSocketPath refuses a socket path inside the fallback directory
// unless that directory is the caller's own and private; other paths are
// the caller's choice and are not checked.
func checkSocketPath(path string) error {
	dir := filepath.Dir(filepath.Clean(path))
	if !isFallbackDir(dir) {
		return nil
	}
	err := checkPrivateDir(dir, false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // no agent linked it: the dial itself fails
	}
	return err
}

// MakeSocketDir makes dir, the directory of the agent's default socket
// link (see DefaultSocket), for the agent to link its socket in. The
// fallback directory /tmp/baton-UID is made private to the caller (0700)
// and, if it exists already, refused unless the caller owns it (a wrong
// mode of the caller's own directory is corrected); other directories
// are made with mode 0755, so that other users reach the socket.
func MakeSocketDir(dir string) error {
	if isFallbackDir(dir) {
		return SecureDir(dir)
	}
	return os.MkdirAll(dir, 0o755)
}

// SecureDir makes dir a directory only the caller can use: it creates it
// with mode 0700, or, if it exists, checks without following a symbolic
// link that it is a directory owned by the caller, and sets its mode to
// 0700 if group or others had any access. A directory of another user,
// or a symbolic link, is a *SocketDirError (ErrUnsafeSocketDir).
func SecureDir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return checkPrivateDir(dir, true)
}

// checkPrivateDir checks (lstat, no symbolic link followed) that dir is a
// directory owned by the caller with no access for group or others; with
// fix, the mode of the caller's own directory is corrected instead of
// refused.
func checkPrivateDir(dir string, fix bool) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	refuse := func(format string, args ...any) error {
		return &SocketDirError{Dir: dir, Reason: fmt.Sprintf(format, args...)}
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return refuse("it is a symbolic link")
	}
	if !fi.IsDir() {
		return refuse("it is not a directory")
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return refuse("its owner is unknown")
	}
	if uid := euid(); int(st.Uid) != uid {
		return refuse("it is owned by uid %d, not by you (uid %d)", st.Uid, uid)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if !fix {
			return refuse("its mode is %04o (others may replace the socket)", fi.Mode().Perm())
		}
		return os.Chmod(dir, 0o700)
	}
	return nil
}

// euid is os.Geteuid; tests running as root replace it to act as another
// user.
var euid = os.Geteuid
