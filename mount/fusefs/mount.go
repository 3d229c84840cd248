package fusefs

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/mount/fop"
)

// mount is the state shared by every node of one mounted volume.
type mount struct {
	vol     fop.Volume
	opts    Options
	log     *slog.Logger
	inodes  inodeTable
	changes changeLog
	events  eventQueue
	locks   lockTable
	umasks  umaskTable
	// capGen is bumped when notifications were lost: every cached
	// security.capability is then unknown.
	capGen atomic.Uint64
	// kernel is the mounted server, for invalidations made inside a
	// request (atime.go); nil without a kernel (NewRoot). Set before
	// the first request is served.
	kernel invalidator
	// noatime: the mount does not update access times (atime.go).
	noatime atomic.Bool
	// timeouts are the kernel's cache lifetimes (timeouts.go).
	timeouts timeouts
	// behindWG counts the writes made behind not finished yet
	// (writebehind.go); the mount waits for them when unmounted.
	behindWG sync.WaitGroup
	// behindWindow is Options.WriteBehindWindow, changed by Live.
	behindWindow atomic.Int64
}

// Mount serves vol at mountpoint and returns once the kernel mount is
// ready. The returned server's Wait returns after the volume is
// unmounted (umount, or Server.Unmount); closing vol is the caller's
// business.
func Mount(mountpoint string, vol fop.Volume, opts Options) (*fuse.Server, error) {
	srv, _, err := mountVolume(mountpoint, vol, opts)
	return srv, err
}

// MountLive is Mount, also returning what may change while mounted.
func MountLive(mountpoint string, vol fop.Volume, opts Options) (*fuse.Server, *Live, error) {
	srv, m, err := mountVolume(mountpoint, vol, opts)
	if err != nil {
		return nil, nil, err
	}
	return srv, &Live{m: m}, nil
}

func mountVolume(mountpoint string, vol fop.Volume, opts Options) (*fuse.Server, *mount, error) {
	m := newMount(vol, opts)
	fsOpts := m.fsOptions()
	raw := &rawFS{RawFileSystem: fs.NewNodeFS(m.newRoot(), fsOpts), m: m}
	srv, err := fuse.NewServer(raw, mountpoint, &fsOpts.MountOptions)
	if err != nil {
		return nil, nil, fmt.Errorf("fusefs: mount %s: %w", mountpoint, err)
	}
	m.kernel = srv
	go srv.Serve()
	if err := srv.WaitMount(); err != nil {
		return nil, nil, fmt.Errorf("fusefs: mount %s: %w", mountpoint, err)
	}
	m.raiseReadahead(mountpoint)
	m.readAtimeMode(mountpoint)
	stop := make(chan struct{})
	go func() {
		srv.Wait()
		m.behindWG.Wait() // released files waited for theirs already
		close(stop)
	}()
	go m.drain(srv, stop)
	m.log.Debug("fusefs: mounted", "mountpoint", mountpoint, "fsname", m.opts.FsName)
	return srv, m, nil
}

// NewRoot returns the root node of vol, initialised without a kernel:
// tests call its methods (Lookup, OpendirHandle, ...) directly. Change
// notifications are recorded but invalidate nothing. It cannot be
// mounted; use Mount.
func NewRoot(vol fop.Volume, opts Options) fs.InodeEmbedder {
	m := newMount(vol, opts)
	root := m.newRoot()
	fs.NewNodeFS(root, m.fsOptions())
	return root
}

func newMount(vol fop.Volume, opts Options) *mount {
	opts = opts.normalized()
	m := &mount{vol: vol, opts: opts, log: opts.Logger}
	m.noatime.Store(opts.NoAtime)
	m.behindWindow.Store(int64(opts.WriteBehindWindow))
	m.timeouts.set(opts.EntryTimeout, opts.AttrTimeout, opts.NegativeTimeout)
	m.inodes.init()
	m.events.init(eventQueueSize)
	vol.Watch(m.sink)
	return m
}

func (m *mount) newRoot() *node {
	root := &node{m: m, gfid: fop.RootGfid}
	m.inodes.addRoot(root)
	return root
}

// fsOptions are go-fuse's options for this mount; docs/fusefs.md says why
// each is set. The cache lifetimes are not among them: they can change
// while mounted, and every reply gets them from m.timeouts (timeouts.go).
func (m *mount) fsOptions() *fs.Options {
	return &fs.Options{
		MountOptions:    m.mountOptions(),
		NullPermissions: true,
		ExternalNodeID:  true,
		RootStableAttr:  &fs.StableAttr{Ino: fuse.FUSE_ROOT_ID, Mode: syscall.S_IFDIR},
		Logger:          slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
	}
}

func (m *mount) mountOptions() fuse.MountOptions {
	o := m.opts
	mo := fuse.MountOptions{
		AllowOther:           o.AllowOther,
		Options:              []string{"default_permissions"},
		MaxBackground:        o.MaxBackground,
		MaxWrite:             fuse.MAX_KERNEL_WRITE,
		MaxReadAhead:         fuse.MAX_KERNEL_WRITE,
		FsName:               o.FsName,
		Name:                 "mortar",
		EnableLocks:          true,
		EnableAcl:            true,
		EnableSymlinkCaching: true,
		DirectMount:          true,
		DirectMountFlags:     m.mountFlags(),
		Debug:                o.Debug,
		Logger:               slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
	}
	// The kernel sends modes unmasked, with the umask (umask.go).
	mo.ExtraCapabilities = fuse.CAP_DONT_MASK
	// Read replies are bytes, never file descriptors: splicing them
	// through a pipe only costs syscalls, and fails (with a warning per
	// read) for 1 MiB replies, which outgrow the largest pipe.
	mo.DisableSplice = true
	if o.Debug {
		mo.Logger = slog.NewLogLogger(m.log.Handler(), slog.LevelInfo)
	}
	if o.ReadOnly {
		mo.Options = append(mo.Options, "ro")
	}
	return mo
}

// mountFlags are mount(2)'s flags. noatime is a flag of the mount, not
// an option of the file system: the kernel refuses "noatime" in
// mount(2)'s data, so the fusermount fallback does not get it;
// readAtimeMode sees what the kernel really applies.
func (m *mount) mountFlags() uintptr {
	flags := uintptr(syscall.MS_NOSUID | syscall.MS_NODEV)
	if m.opts.ReadOnly {
		flags |= syscall.MS_RDONLY
	}
	if m.opts.NoAtime {
		flags |= syscall.MS_NOATIME
	}
	return flags
}

// readaheadKB is the kernel readahead asked for the mount: one request of
// MaxWrite. The kernel offers FUSE at most its default of 128 KiB in the
// INIT handshake; the mount's backing device takes more afterwards.
const readaheadKB = fuse.MAX_KERNEL_WRITE / 1024

// raiseReadahead sets the mount's readahead, so that sequential reads go
// to the volume in 1 MiB requests rather than 128 KiB ones. Failing is
// harmless: reads are only smaller.
func (m *mount) raiseReadahead(mountpoint string) {
	var st syscall.Stat_t
	if err := syscall.Stat(mountpoint, &st); err != nil {
		m.log.Debug("fusefs: readahead unchanged", "err", err)
		return
	}
	p := fmt.Sprintf("/sys/class/bdi/%d:%d/read_ahead_kb", unix.Major(st.Dev), unix.Minor(st.Dev))
	if err := os.WriteFile(p, []byte(strconv.Itoa(readaheadKB)), 0); err != nil {
		m.log.Debug("fusefs: readahead unchanged", "path", p, "err", err)
	}
}

// readAtimeMode reads the mount's own atime flag: the kernel keeps
// MS_NOATIME per mount and never tells a FUSE server, but statfs(2)
// reports it (ST_NOATIME). Checked once, after mounting; a later
// "mount -o remount,noatime" is not seen.
func (m *mount) readAtimeMode(mountpoint string) {
	var st unix.Statfs_t
	if err := unix.Statfs(mountpoint, &st); err != nil {
		m.log.Debug("fusefs: mount flags unknown", "err", err)
		return
	}
	if st.Flags&unix.ST_NOATIME != 0 {
		m.noatime.Store(true)
	}
}
