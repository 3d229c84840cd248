package replica

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// op is one file system call made by a child, on absolute paths.
type op struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Path2 string `json:"path2,omitempty"` // rename/link: the new name; symlink: the link, Path being the target
	Data  []byte `json:"data,omitempty"`
	Mode  uint32 `json:"mode,omitempty"`
	UID   int    `json:"uid,omitempty"`
	GID   int    `json:"gid,omitempty"`
	Size  int64  `json:"size,omitempty"` // truncate
	Off   int64  `json:"off,omitempty"`  // pwrite
	Name  string `json:"name,omitempty"` // xattr
	Mtime int64  `json:"mtime,omitempty"`
}

func (o op) String() string {
	s := o.Op + " " + o.Path
	if o.Path2 != "" {
		s += " " + o.Path2
	}
	if o.Name != "" {
		s += " " + o.Name
	}
	return s
}

// opResult is the outcome of one op: Errno "" is success.
type opResult struct {
	Errno string    `json:"errno,omitempty"`
	Stage string    `json:"stage,omitempty"` // the call that failed: open, write, fsync, close...
	Data  []byte    `json:"data,omitempty"`  // read, readlink, getxattr
	Stat  *statInfo `json:"stat,omitempty"`
	Took  int64     `json:"took_ms"`
}

func (r opResult) String() string {
	if r.Errno == "" {
		return "ok"
	}
	return fmt.Sprintf("%s at %s", r.Errno, r.Stage)
}

// statInfo is what lstat says of a name.
type statInfo struct {
	Mode  uint32 `json:"mode"` // type and permission bits
	Size  int64  `json:"size"`
	UID   uint32 `json:"uid"`
	GID   uint32 `json:"gid"`
	Nlink uint64 `json:"nlink"`
	Mtime int64  `json:"mtime_ns"`
}

// Operations, so that tests read like scripts.
func opWrite(p string, data []byte) op { return op{Op: "write", Path: p, Data: data} }
func opPwrite(p string, off int64, data []byte) op {
	return op{Op: "pwrite", Path: p, Off: off, Data: data}
}
func opRead(p string) op                { return op{Op: "read", Path: p} }
func opStat(p string) op                { return op{Op: "stat", Path: p} }
func opCreate(p string, mode uint32) op { return op{Op: "create", Path: p, Mode: mode} }
func opMkdir(p string, mode uint32) op  { return op{Op: "mkdir", Path: p, Mode: mode} }
func opRmdir(p string) op               { return op{Op: "rmdir", Path: p} }
func opUnlink(p string) op              { return op{Op: "unlink", Path: p} }
func opRename(p, q string) op           { return op{Op: "rename", Path: p, Path2: q} }
func opLink(p, q string) op             { return op{Op: "link", Path: p, Path2: q} }
func opSymlink(target, link string) op  { return op{Op: "symlink", Path: target, Path2: link} }
func opMkfifo(p string, mode uint32) op { return op{Op: "mkfifo", Path: p, Mode: mode} }
func opChmod(p string, mode uint32) op  { return op{Op: "chmod", Path: p, Mode: mode} }
func opLchown(p string, uid, gid int) op {
	return op{Op: "lchown", Path: p, UID: uid, GID: gid}
}
func opUtimes(p string, mtime time.Time) op {
	return op{Op: "utimes", Path: p, Mtime: mtime.UnixNano()}
}
func opTruncate(p string, size int64) op { return op{Op: "truncate", Path: p, Size: size} }
func opSetxattr(p, name string, v []byte) op {
	return op{Op: "setxattr", Path: p, Name: name, Data: v}
}
func opRemovexattr(p, name string) op { return op{Op: "removexattr", Path: p, Name: name} }
func opLock(p string) op              { return op{Op: "lock", Path: p} }

// runOps makes every call in turn, whatever the outcome of the others.
func runOps(ops []op) []opResult {
	out := make([]opResult, len(ops))
	for i, o := range ops {
		start := time.Now()
		out[i] = doOp(o)
		out[i].Took = time.Since(start).Milliseconds()
	}
	return out
}

func doOp(o op) opResult {
	fail := func(stage string, err error) opResult {
		if err == nil {
			return opResult{}
		}
		return opResult{Errno: errnoName(err), Stage: stage}
	}
	switch o.Op {
	case "write", "pwrite":
		flags := os.O_WRONLY
		if o.Op == "write" {
			flags |= os.O_CREATE | os.O_TRUNC
		}
		f, err := os.OpenFile(o.Path, flags, 0o644)
		if err != nil {
			return fail("open", err)
		}
		if _, err := f.WriteAt(o.Data, o.Off); err != nil {
			f.Close()
			return fail("write", err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return fail("fsync", err)
		}
		return fail("close", f.Close())
	case "read":
		f, err := os.Open(o.Path)
		if err != nil {
			return fail("open", err)
		}
		defer f.Close()
		data, err := io.ReadAll(f)
		if err != nil {
			return fail("read", err)
		}
		return opResult{Data: data}
	case "stat":
		var st unix.Stat_t
		if err := unix.Lstat(o.Path, &st); err != nil {
			return fail("lstat", err)
		}
		return opResult{Stat: &statInfo{Mode: st.Mode, Size: st.Size, UID: st.Uid, GID: st.Gid, Nlink: uint64(st.Nlink), Mtime: st.Mtim.Nano()}}
	case "create":
		fd, err := unix.Open(o.Path, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY, o.Mode)
		if err != nil {
			return fail("open", err)
		}
		return fail("close", unix.Close(fd))
	case "mkdir":
		return fail("mkdir", unix.Mkdir(o.Path, o.Mode))
	case "rmdir":
		return fail("rmdir", unix.Rmdir(o.Path))
	case "unlink":
		return fail("unlink", unix.Unlink(o.Path))
	case "rename":
		return fail("rename", unix.Rename(o.Path, o.Path2))
	case "link":
		return fail("link", unix.Link(o.Path, o.Path2))
	case "symlink":
		return fail("symlink", unix.Symlink(o.Path, o.Path2))
	case "mkfifo":
		return fail("mkfifo", unix.Mkfifo(o.Path, o.Mode))
	case "chmod":
		return fail("chmod", unix.Chmod(o.Path, o.Mode))
	case "lchown":
		return fail("lchown", unix.Lchown(o.Path, o.UID, o.GID))
	case "utimes":
		mt := unix.NsecToTimespec(o.Mtime)
		at := unix.NsecToTimespec(o.Mtime - int64(time.Hour))
		return fail("utimensat", unix.UtimesNanoAt(unix.AT_FDCWD, o.Path, []unix.Timespec{at, mt}, unix.AT_SYMLINK_NOFOLLOW))
	case "truncate":
		return fail("truncate", unix.Truncate(o.Path, o.Size))
	case "setxattr":
		return fail("setxattr", unix.Lsetxattr(o.Path, o.Name, o.Data, 0))
	case "removexattr":
		return fail("removexattr", unix.Lremovexattr(o.Path, o.Name))
	case "getxattr":
		buf := make([]byte, 64<<10)
		n, err := unix.Lgetxattr(o.Path, o.Name, buf)
		if err != nil {
			return fail("getxattr", err)
		}
		return opResult{Data: buf[:n]}
	case "lock":
		// Take and drop a write lock on the whole file, without waiting.
		f, err := os.OpenFile(o.Path, os.O_RDWR, 0)
		if err != nil {
			return fail("open", err)
		}
		defer f.Close()
		lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart}
		if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk); err != nil {
			return fail("fcntl(F_SETLK)", err)
		}
		lk.Type = syscall.F_UNLCK
		return fail("fcntl(F_UNLCK)", syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk))
	}
	return opResult{Errno: "unknown op " + strings.TrimSpace(o.Op)}
}
