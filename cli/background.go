package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/mortarfs/mortar/mount"
)

// readyFDEnv names the descriptor on which a background mount process
// reports "ok" or its error to the command that started it.
const readyFDEnv = "MORTAR_READY_FD"

// startInBackground re-runs this command as a detached process that serves
// the mount, and returns once that process reports the mount usable.
func startInBackground(o mount.Options, mp string) error {
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	self, err := os.Executable()
	if err != nil {
		w.Close()
		return err
	}
	logFile := o.LogFile
	if logFile == "" {
		logFile = defaultLogFile(mp)
	}
	// The child outlives this command by design: no context kills it.
	cmd := exec.Command(self, os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Env = append(os.Environ(), readyFDEnv+"=3")
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	logw, err := openLog(logFile)
	if err != nil {
		w.Close()
		return err
	}
	cmd.Stdout, cmd.Stderr = logw, logw
	err = cmd.Start()
	w.Close()
	logw.Close()
	if err != nil {
		return err
	}
	msg, _ := io.ReadAll(io.LimitReader(r, 64<<10))
	_ = cmd.Process.Release()
	if s := strings.TrimSpace(string(msg)); s != "ok" {
		if s == "" {
			s = "mount process exited without a word; see " + logFile
		}
		return errors.New(s)
	}
	return nil
}

// openLog opens the log file for appending, making its directory.
func openLog(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("log file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("log file: %w", err)
	}
	return f, nil
}

// reportReady tells the starting command, if any, how the mount went.
func reportReady(err error) {
	fdStr := os.Getenv(readyFDEnv)
	if fdStr == "" {
		return
	}
	fd, convErr := strconv.Atoi(fdStr)
	if convErr != nil {
		return
	}
	f := os.NewFile(uintptr(fd), "ready")
	defer f.Close()
	os.Unsetenv(readyFDEnv)
	if err != nil {
		fmt.Fprintf(f, "%v\n", err)
		return
	}
	fmt.Fprintln(f, "ok")
}

// defaultLogFile is GlusterFS's convention: /var/log/mortar/<mountpoint with
// slashes as dashes>.log.
func defaultLogFile(mp string) string {
	name := strings.ReplaceAll(strings.Trim(mp, "/"), "/", "-")
	if name == "" {
		name = "root"
	}
	return filepath.Join("/var/log/mortar", name+".log")
}
