package fusefs

import (
	"context"
	"sync"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/mortarfs/mortar/mount/fop"
)

// node is one inode of the volume, of any type.
type node struct {
	fs.Inode
	m    *mount
	gfid fop.Gfid
	// caps caches security.capability (xattr_cache.go).
	caps capCache
	// times are the times the kernel was last given (atime.go).
	times seenTimes
	// writes are the writes answered before they were made
	// (writebehind.go).
	writes writeQueue
}

// caller is the identity a new inode is created for.
func caller(ctx context.Context) fop.Caller {
	c, ok := fuse.FromContext(ctx)
	if !ok {
		return fop.Caller{}
	}
	return fop.Caller{Uid: c.Uid, Gid: c.Gid, Pid: c.Pid}
}

// newInode describes a new inode of the given type and permissions,
// created for the caller of ctx with its umask (umask.go), with a fresh
// gfid.
func (m *mount) newInode(ctx context.Context, mode uint32, rdev uint64) fop.NewInode {
	return fop.NewInode{Gfid: fop.NewGfid(), Mode: mode, Rdev: rdev, Caller: caller(ctx), Umask: m.umasks.of(ctx)}
}

// inodeTable maps the inodes the kernel knows, by inode number (which is
// also the kernel's node id), to their nodes.
type inodeTable struct {
	mu    sync.Mutex
	nodes map[uint64]*node
}

func (t *inodeTable) init() { t.nodes = make(map[uint64]*node) }

func (t *inodeTable) addRoot(root *node) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.nodes[root.gfid.Ino()] = root
}

// child returns the node of the inode a, found under parent: the node
// already known for a.Gfid, or a new one. Returning the known node keeps
// one node per gfid, so hard links and parallel lookups agree.
func (t *inodeTable) child(ctx context.Context, parent *node, a *fop.Attr) (*node, syscall.Errno) {
	ino := a.Gfid.Ino()
	if a.Gfid.IsZero() || (a.Gfid != fop.RootGfid && (ino == fuse.FUSE_ROOT_ID || ino == ^uint64(0))) {
		parent.m.log.Warn("fusefs: unusable gfid from the volume", "gfid", a.Gfid.String())
		return nil, syscall.EIO
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := t.nodes[ino]; n != nil {
		if n.gfid != a.Gfid {
			// Two live gfids with one inode number: go-fuse would
			// serve one for the other.
			parent.m.log.Error("fusefs: inode number collision", "gfid", a.Gfid.String(), "live", n.gfid.String())
			return nil, syscall.EIO
		}
		return n, 0
	}
	n := &node{m: parent.m, gfid: a.Gfid}
	parent.NewInode(ctx, n, fs.StableAttr{Ino: ino, Mode: a.Mode & syscall.S_IFMT})
	t.nodes[ino] = n
	return n, 0
}

// get returns the live node of gfid, or nil.
func (t *inodeTable) get(g fop.Gfid) *node {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := t.nodes[g.Ino()]; n != nil && n.gfid == g {
		return n
	}
	return nil
}

// forget drops n once the kernel has forgotten it.
func (t *inodeTable) forget(n *node) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if ino := n.gfid.Ino(); t.nodes[ino] == n {
		delete(t.nodes, ino)
	}
}

// all lists the live nodes.
func (t *inodeTable) all() []*node {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]*node, 0, len(t.nodes))
	for _, n := range t.nodes {
		out = append(out, n)
	}
	return out
}

// OnForget is called when the kernel and go-fuse no longer know n.
func (n *node) OnForget() { n.m.inodes.forget(n) }

// other returns the node behind an InodeEmbedder given by go-fuse for a
// second inode of the same operation (rename target, link source).
func other(e fs.InodeEmbedder) (*node, bool) {
	o, ok := e.(*node)
	return o, ok
}
