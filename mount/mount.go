package mount

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/mortarfs/mortar/mount/fusefs"
	"github.com/mortarfs/mortar/volume"
)

// Config describes one mount.
type Config struct {
	Volfile    *volume.Volfile
	Mountpoint string
	// Source is what df and /proc/mounts show, e.g. "HOST:/VOLUME".
	Source  string
	Options Options
	// MountOptions is the mount's own -o list, which keeps overriding the
	// volume's options when Reconfigure follows a new volfile.
	MountOptions string
	// ConnectTimeout bounds the wait for bricks at mount time.
	ConnectTimeout time.Duration
	Logger         *slog.Logger
}

// Mounted is a live mount.
type Mounted struct {
	server *fuse.Server
	live   *fusefs.Live
	stack  *stack
	log    *slog.Logger
	cfg    Config

	// mu serialises Reconfigure and guards the fields below.
	mu     sync.Mutex
	vf     *volume.Volfile // the volfile the mount follows
	opts   Options         // the options it runs with
	closed bool            // unmounted: the stack is closed
}

// Mount builds the client stack, waits for the bricks and mounts the volume
// at cfg.Mountpoint. It returns once the mount is usable.
func Mount(ctx context.Context, cfg Config) (*Mounted, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	st, err := buildStack(cfg.Volfile, cfg.Options, log)
	if err != nil {
		return nil, err
	}
	timeout := cfg.ConnectTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	if err := st.waitBricksAtMount(ctx, timeout, log); err != nil {
		st.close()
		return nil, fmt.Errorf("mount %s: %w", cfg.Mountpoint, err)
	}
	o := cfg.Options
	srv, live, err := fusefs.MountLive(cfg.Mountpoint, st.top, fusefs.Options{
		EntryTimeout:    o.EntryTimeout,
		AttrTimeout:     o.AttrTimeout,
		NegativeTimeout: o.NegativeTimeout,
		ReadOnly:        o.ReadOnly,
		NoAtime:         o.NoAtime,
		AllowOther:      true,
		FsName:          cfg.Source,
		Debug:           o.Debug,
		Logger:          log,

		WriteBehindWindow: o.WriteBehindWindow,
	})
	if err != nil {
		st.close()
		return nil, fmt.Errorf("mount %s: %w", cfg.Mountpoint, err)
	}
	log.Info("mounted", "mountpoint", cfg.Mountpoint, "volume", cfg.Volfile.Name, "sets", len(cfg.Volfile.Sets))
	return &Mounted{server: srv, live: live, stack: st, log: log, cfg: cfg, vf: cfg.Volfile, opts: o}, nil
}

// Wait blocks until the file system is unmounted, then closes the stack.
func (m *Mounted) Wait() {
	m.server.Wait()
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.stack.close()
	m.log.Info("unmounted")
}

// Unmount asks the kernel to unmount; Wait returns afterwards.
func (m *Mounted) Unmount() error {
	return m.server.Unmount()
}
