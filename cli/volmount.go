package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/mortarfs/mortar/mount"
	"github.com/mortarfs/mortar/mount/volfile"
)

// volumeMount is a mount by volume name: `mortar mount HOST:/NAME DIR` and
// mount.mortar.
type volumeMount struct {
	source     string // as given, "HOST[:PORT]:/NAME": df shows it
	server     string
	volume     string
	mountpoint string
	opts       string // the -o list, as given (less what sloppy dropped)
	parsed     mount.Options
	foreground bool
}

// newVolumeMount checks a mount by volume name. With sloppy (mount -s),
// options it does not know are dropped instead of refused.
func newVolumeMount(source, dir, opts string, sloppy, foreground bool) (*volumeMount, error) {
	server, vol, err := volfile.ParseSource(source)
	if err != nil {
		return nil, usagef("%v", err)
	}
	if sloppy {
		opts = dropUnknownOptions(opts)
	}
	o, err := mount.ParseOptions(mount.DefaultOptions(), opts)
	if err != nil {
		return nil, usagef("%v", err)
	}
	mp, err := checkMountpoint(dir)
	if err != nil {
		return nil, err
	}
	return &volumeMount{source: source, server: server, volume: vol, mountpoint: mp, opts: opts, parsed: o, foreground: foreground}, nil
}

// dropUnknownOptions keeps the options ParseOptions accepts.
func dropUnknownOptions(opts string) string {
	var keep []string
	for _, kv := range strings.Split(opts, ",") {
		if _, err := mount.ParseOptions(mount.DefaultOptions(), kv); err == nil && kv != "" {
			keep = append(keep, kv)
		}
	}
	return strings.Join(keep, ",")
}

// run mounts: in the background (this command returns once the mount is
// usable or failed) unless foreground.
func (vm *volumeMount) run(ctx context.Context, e *env) error {
	if vm.foreground || os.Getenv(readyFDEnv) != "" {
		return vm.serve(ctx, e)
	}
	return startInBackground(vm.parsed, vm.mountpoint)
}

// volfileConfig is where the volfile comes from: the source's server,
// then the backup-volfile-servers.
func (vm *volumeMount) volfileConfig() volfile.Config {
	host, _ := os.Hostname()
	servers := append([]string{vm.server}, vm.parsed.BackupVolfileServers...)
	return volfile.Config{Servers: servers, Volume: vm.volume, Client: fmt.Sprintf("%s/%d", host, os.Getpid())}
}

// serve fetches the volfile, mounts, follows the volfile until the file
// system is unmounted, and unmounts when told to stop.
func (vm *volumeMount) serve(ctx context.Context, e *env) error {
	log, closeLog, err := newLogger(e.stderr, vm.parsed.LogFile, vm.parsed.LogLevel)
	if err != nil {
		reportReady(err)
		return err
	}
	defer closeLog()
	cfg := vm.volfileConfig()
	cfg.Logger = log
	f, err := volfile.Fetch(ctx, cfg)
	if err != nil {
		reportReady(err)
		return err
	}
	log.Info("volfile fetched", "server", f.Server, "version", f.Version, "volume", vm.volume)
	o, err := mount.EffectiveOptions(f.Volfile.Options, vm.opts, log)
	if err != nil {
		reportReady(err)
		return err
	}
	m, err := mount.Mount(ctx, mount.Config{
		Volfile: f.Volfile, Mountpoint: vm.mountpoint, Source: vm.source,
		Options: o, MountOptions: vm.opts, Logger: log,
	})
	if err != nil {
		reportReady(err)
		return err
	}
	reportReady(nil)
	wctx, stopWatch := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		volfile.Watch(wctx, cfg.StartingAt(f.ServerIndex), f.Version, func(f volfile.Fetched) {
			log.Info("volfile changed", "server", f.Server, "version", f.Version)
			if err := m.Reconfigure(f.Volfile); err != nil {
				log.Error("volfile not followed", "version", f.Version, "err", err)
			}
		})
	}()
	done := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-ctx.Done():
			unmountOnSignal(m, vm.mountpoint, log)
		case <-done:
		}
	}()
	m.Wait()
	close(done)
	stopWatch()
	wg.Wait()
	return nil
}
