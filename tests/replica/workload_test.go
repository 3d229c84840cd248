package replica

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// Deterministic workloads: the child that runs one and the test that
// checks its outcome derive the same data and the same operations from a
// seed.

// stream is the deterministic byte stream of seed.
func stream(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return rand.NewChaCha8(s)
}

// content is the content of a small file made from seed.
func content(seed uint64, size int) []byte {
	b := make([]byte, size)
	_, _ = stream(seed).Read(b)
	return b
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// writeJob writes Size bytes of stream(Seed) to Path through the mount,
// then fsyncs and closes it. With Lock it holds an fcntl write lock on the
// whole file while writing.
type writeJob struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
	Seed uint64 `json:"seed"`
	Lock bool   `json:"lock,omitempty"`
}

// writeResult is where the writer stopped: Errno "" means success.
type writeResult struct {
	Errno   string `json:"errno,omitempty"`
	Stage   string `json:"stage,omitempty"`
	Written int64  `json:"written"`
	SHA256  string `json:"sha256,omitempty"` // of what was written
}

const writeChunk = 1 << 20

// runWrite is the writer child: progress is the number of bytes written.
func runWrite(j writeJob, progress func(int64)) *writeResult {
	r := &writeResult{}
	fail := func(stage string, err error) *writeResult {
		r.Stage, r.Errno = stage, errnoName(err)
		return r
	}
	f, err := os.OpenFile(j.Path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fail("open", err)
	}
	defer f.Close()
	if j.Lock {
		lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart}
		if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk); err != nil {
			return fail("lock", err)
		}
	}
	src := stream(j.Seed)
	h := sha256.New()
	buf := make([]byte, writeChunk)
	for r.Written < j.Size {
		n := int(min(int64(len(buf)), j.Size-r.Written))
		_, _ = src.Read(buf[:n])
		h.Write(buf[:n])
		w, err := f.Write(buf[:n])
		r.Written += int64(w)
		if err != nil {
			return fail("write", err)
		}
		progress(r.Written)
	}
	if err := f.Sync(); err != nil {
		return fail("fsync", err)
	}
	if err := f.Close(); err != nil {
		return fail("close", err)
	}
	r.SHA256 = hex.EncodeToString(h.Sum(nil))
	return r
}

// streamSHA is the sha256 of the first size bytes of stream(seed).
func streamSHA(seed uint64, size int64) string {
	h := sha256.New()
	_, _ = io.CopyN(h, stream(seed), size)
	return hex.EncodeToString(h.Sum(nil))
}

// treeOp is one step of the small-file workload, on paths relative to the
// workload's directory.
type treeOp struct {
	Kind  string `json:"kind"` // mkdir, create, overwrite, rename, unlink
	Path  string `json:"path"`
	Path2 string `json:"path2,omitempty"`
	Size  int    `json:"size,omitempty"`
	Seed  uint64 `json:"seed,omitempty"`
}

func (o treeOp) String() string {
	if o.Path2 != "" {
		return o.Kind + " " + o.Path + " " + o.Path2
	}
	return o.Kind + " " + o.Path
}

// fileModel is what a file of the workload must hold.
type fileModel struct {
	Size int
	Seed uint64
}

// treeOps generates the small-file workload: 50 directories (25 with a
// subdirectory), then creates of files new names until files files were
// made, mixed with overwrites, renames (in place, across directories,
// over another file), unlinks and renames of subdirectories with their
// content. It returns the operations and the tree they leave (path →
// file).
func treeOps(files int, seed uint64) ([]treeOp, map[string]fileModel) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var ops []treeOp
	model := map[string]fileModel{}
	var dirs []string
	for i := 0; i < 25; i++ {
		d := fmt.Sprintf("d%02d", i)
		s := d + "/s"
		ops = append(ops, treeOp{Kind: "mkdir", Path: d}, treeOp{Kind: "mkdir", Path: s})
		dirs = append(dirs, d, s)
	}
	names := func() []string {
		ns := make([]string, 0, len(model))
		for p := range model {
			ns = append(ns, p)
		}
		sort.Strings(ns)
		return ns
	}
	pick := func() string {
		ns := names()
		return ns[rng.IntN(len(ns))]
	}
	created, renamed, subdirs := 0, 0, 0
	for created < files {
		roll := rng.IntN(1000)
		switch {
		case len(model) < 20 || roll < 700:
			p := fmt.Sprintf("%s/f%05d", dirs[rng.IntN(len(dirs))], created)
			created++
			m := fileModel{Size: rng.IntN(8192), Seed: rng.Uint64()}
			ops = append(ops, treeOp{Kind: "create", Path: p, Size: m.Size, Seed: m.Seed})
			model[p] = m
		case roll < 750:
			p := pick()
			m := fileModel{Size: rng.IntN(8192), Seed: rng.Uint64()}
			ops = append(ops, treeOp{Kind: "overwrite", Path: p, Size: m.Size, Seed: m.Seed})
			model[p] = m
		case roll < 850:
			p := pick()
			q := fmt.Sprintf("%s/r%05d", dirs[rng.IntN(len(dirs))], renamed)
			renamed++
			ops = append(ops, treeOp{Kind: "rename", Path: p, Path2: q})
			model[q] = model[p]
			delete(model, p)
		case roll < 880:
			p, q := pick(), pick()
			if p == q {
				continue
			}
			ops = append(ops, treeOp{Kind: "rename", Path: p, Path2: q})
			model[q] = model[p]
			delete(model, p)
		case roll < 995:
			p := pick()
			ops = append(ops, treeOp{Kind: "unlink", Path: p})
			delete(model, p)
		default:
			// Rename a subdirectory with everything in it.
			i := 1 + 2*rng.IntN(25)
			old := dirs[i]
			nw := fmt.Sprintf("%s/s%03d", filepath.Dir(old), subdirs)
			subdirs++
			ops = append(ops, treeOp{Kind: "rename", Path: old, Path2: nw})
			dirs[i] = nw
			for p, m := range model {
				if strings.HasPrefix(p, old+"/") {
					delete(model, p)
					model[nw+strings.TrimPrefix(p, old)] = m
				}
			}
		}
	}
	return ops, model
}

// treeJob runs treeOps(Files, Seed) under Dir, which must exist.
type treeJob struct {
	Dir   string `json:"dir"`
	Files int    `json:"files"`
	Seed  uint64 `json:"seed"`
}

// treeResult is the first operation that failed, if any.
type treeResult struct {
	Errno string `json:"errno,omitempty"`
	Index int    `json:"index"`
	Op    string `json:"op,omitempty"`
	Ops   int    `json:"ops"` // operations done
}

// runTree is the small-file child: progress is the number of operations
// done.
func runTree(j treeJob, progress func(int64)) *treeResult {
	ops, _ := treeOps(j.Files, j.Seed)
	r := &treeResult{}
	for i, o := range ops {
		if err := doTreeOp(j.Dir, o); err != nil {
			r.Errno, r.Index, r.Op = errnoName(err), i, o.String()
			return r
		}
		r.Ops = i + 1
		if i%20 == 0 || i == len(ops)-1 {
			progress(int64(i + 1))
		}
	}
	return r
}

func doTreeOp(dir string, o treeOp) error {
	p := filepath.Join(dir, o.Path)
	switch o.Kind {
	case "mkdir":
		return os.Mkdir(p, 0o755)
	case "create", "overwrite":
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if o.Kind == "create" {
			flags |= os.O_EXCL
		}
		f, err := os.OpenFile(p, flags, 0o644)
		if err != nil {
			return err
		}
		if _, err := f.Write(content(o.Seed, o.Size)); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	case "rename":
		return os.Rename(p, filepath.Join(dir, o.Path2))
	case "unlink":
		return os.Remove(p)
	}
	return fmt.Errorf("unknown tree op %q", o.Kind)
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// entry is one name of a manifest.
type entry struct {
	Type   string `json:"type"` // file, dir, symlink, other
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256,omitempty"`
	Target string `json:"target,omitempty"`
}

// manifest lists every name under dir (dir itself left out) with its
// type, size and content hash, reading through whatever file system dir
// is on.
func manifest(dir string) (map[string]entry, error) {
	m := map[string]entry{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		e := entry{Size: fi.Size()}
		switch {
		case fi.Mode().IsRegular():
			e.Type = "file"
			if e.SHA256, err = hashFile(p); err != nil {
				return err
			}
		case fi.IsDir():
			e.Type, e.Size = "dir", 0
		case fi.Mode()&os.ModeSymlink != 0:
			e.Type = "symlink"
			if e.Target, err = os.Readlink(p); err != nil {
				return err
			}
		default:
			e.Type = "other"
		}
		m[rel] = e
		return nil
	})
	return m, err
}
