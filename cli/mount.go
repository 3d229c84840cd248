package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/mortarfs/mortar/mount"
	"github.com/mortarfs/mortar/volume"
)

func mountCmd() *command {
	var (
		bricks     string
		replica    int
		arbiter    int
		force      bool
		foreground bool
		opts       string
		name       string
	)
	return &command{
		name:    "mount",
		usage:   "HOST[:PORT]:/VOLUME MOUNTPOINT [--foreground] [-o OPTIONS]  |  --bricks HOST:PORT/NAME,... [--replica N [--arbiter 1]] [--force] [--foreground] [-o OPTIONS] MOUNTPOINT",
		summary: "mount a volume by name from its servers, or given by its bricks",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&bricks, "bricks", "", "comma-separated bricks, HOST:PORT/NAME; consecutive groups of --replica form a set")
			fs.IntVar(&replica, "replica", 1, "bricks per replica set")
			fs.IntVar(&arbiter, "arbiter", 0, "arbiter bricks per set: 1 with --replica 3 (the last brick of each set holds no data)")
			fs.BoolVar(&force, "force", false, "allow replica 2 without an arbiter (it cannot avoid split-brain)")
			fs.BoolVar(&foreground, "foreground", false, "stay in the foreground and log to stderr")
			fs.StringVar(&opts, "o", "", "mount options: attribute-timeout=S,entry-timeout=S,negative-timeout=S,ro,log-file=PATH,log-level=LEVEL,"+
				"quorum-type=auto|fixed|none,quorum-count=N,stale-reads,favorite-child-policy=size|mtime|majority,post-op-delay=S,"+
				"write-behind=on|off,write-behind-window-size=BYTES,"+
				"backup-volfile-servers=HOST2:HOST3 (with HOST:/VOLUME)")
			fs.StringVar(&name, "volume", "vol", "volume name (for logs and df)")
		},
		run: func(ctx context.Context, e *env, args []string) error {
			if bricks == "" && len(args) == 2 {
				vm, err := newVolumeMount(args[0], args[1], opts, false, foreground)
				if err != nil {
					return err
				}
				return vm.run(ctx, e)
			}
			if len(args) != 1 {
				return usagef("want HOST:/VOLUME MOUNTPOINT, or --bricks and one MOUNTPOINT")
			}
			vf, err := volfileFromBricks(name, bricks, replica)
			if err == nil {
				err = checkReplication(e, vf, arbiter, force)
			}
			if err != nil {
				return usagef("%v", err)
			}
			o, err := mount.ParseOptions(mount.DefaultOptions(), opts)
			if err != nil {
				return usagef("%v", err)
			}
			mp, err := checkMountpoint(args[0])
			if err != nil {
				return err
			}
			req := mountRequest{volfile: vf, mountpoint: mp, source: bricks, options: o}
			if foreground || os.Getenv(readyFDEnv) != "" {
				return serveMount(ctx, e, req)
			}
			return startInBackground(o, mp)
		},
	}
}

func volfileFromBricks(name, list string, replica int) (*volume.Volfile, error) {
	if list == "" {
		return nil, errors.New("--bricks is required")
	}
	var refs []volume.BrickRef
	for _, s := range strings.Split(list, ",") {
		ref, err := volume.ParseBrickRef(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		refs = append(refs, ref)
	}
	return volume.FromBricks(name, refs, replica)
}

// checkReplication applies --arbiter to vf and refuses replica 2 without
// an arbiter unless forced (it cannot avoid split-brain: with quorum, the
// second brick alone cannot take writes; without, the two diverge).
func checkReplication(e *env, vf *volume.Volfile, arbiter int, force bool) error {
	switch {
	case arbiter == 1 && vf.Replica == 3:
		vf.Arbiter = true
	case arbiter != 0:
		return fmt.Errorf("--arbiter %d: only --arbiter 1 with --replica 3 is supported", arbiter)
	case vf.Replica == 2 && !force:
		return errors.New("replica 2 without an arbiter cannot avoid split-brain: use --replica 3 (with --arbiter 1 for a cheap third brick), or --force to accept it")
	case vf.Replica == 2:
		fmt.Fprintln(e.stderr, "mortar mount: warning: replica 2 without an arbiter: split-brain is possible (forced)")
	}
	return nil
}

func checkMountpoint(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("mount point %s: %w", abs, err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("mount point %s is not a directory", abs)
	}
	return abs, nil
}

// mountRequest is a parsed mount, for the foreground server.
type mountRequest struct {
	volfile    *volume.Volfile
	mountpoint string
	source     string
	options    mount.Options
}

// serveMount mounts and serves until the file system is unmounted, or the
// process is told to stop (then it unmounts).
func serveMount(ctx context.Context, e *env, req mountRequest) error {
	log, closeLog, err := newLogger(e.stderr, req.options.LogFile, req.options.LogLevel)
	if err != nil {
		return err
	}
	defer closeLog()
	m, err := mount.Mount(ctx, mount.Config{
		Volfile:    req.volfile,
		Mountpoint: req.mountpoint,
		Source:     req.source,
		Options:    req.options,
		Logger:     log,
	})
	if err != nil {
		reportReady(err)
		return err
	}
	reportReady(nil)
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			unmountOnSignal(m, req.mountpoint, log)
		case <-done:
		}
	}()
	m.Wait()
	close(done)
	return nil
}

func unmountOnSignal(m *mount.Mounted, mp string, log *slog.Logger) {
	if err := m.Unmount(); err != nil {
		log.Warn("unmount failed, detaching lazily", "err", err)
		if err := syscall.Unmount(mp, syscall.MNT_DETACH); err != nil {
			log.Error("lazy unmount failed", "err", err)
		}
	}
}
