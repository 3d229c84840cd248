package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"

	"github.com/mortarfs/mortar/mount/heal"
	"github.com/mortarfs/mortar/mount/volfile"
	"github.com/mortarfs/mortar/volume"
)

// volumeHealRequest is a parsed `volume heal NAME ...`: what `mortar heal`
// would do with the same volume.
type volumeHealRequest struct {
	volume      string
	full        bool
	info        bool
	splitBrain  bool   // info split-brain
	policy      string // split-brain POLICY: bigger-file, latest-mtime, source-brick
	sourceBrick string // HOST:/PATH with source-brick
	path        string // the file to resolve
}

// parseVolumeHeal parses the words after `volume heal`.
func parseVolumeHeal(args []string) (volumeHealRequest, error) {
	var r volumeHealRequest
	if len(args) == 0 {
		return r, usagef("want a volume name")
	}
	r.volume = args[0]
	words := args[1:]
	switch {
	case len(words) == 0:
	case len(words) == 1 && words[0] == "full":
		r.full = true
	case len(words) == 1 && words[0] == "info":
		r.info = true
	case len(words) == 2 && words[0] == "info" && words[1] == "split-brain":
		r.info, r.splitBrain = true, true
	case len(words) == 3 && words[0] == "split-brain" && (words[1] == "bigger-file" || words[1] == "latest-mtime"):
		r.policy, r.path = words[1], words[2]
	case len(words) == 4 && words[0] == "split-brain" && words[1] == "source-brick":
		if !strings.Contains(words[2], ":/") {
			return r, usagef("source-brick %q: want HOST:/BRICK", words[2])
		}
		r.policy, r.sourceBrick, r.path = words[1], words[2], words[3]
	default:
		return r, usagef("unexpected %q", strings.Join(words, " "))
	}
	if r.path != "" && !strings.HasPrefix(r.path, "/") {
		r.path = "/" + r.path // gluster's paths are from the volume root
	}
	return r, nil
}

// runVolumeHeal does req on the volume of vf, in this process, with the
// engine and code of `mortar heal` (as GlusterFS's glfsheal).
func runVolumeHeal(ctx context.Context, w io.Writer, req volumeHealRequest, vf *volume.Volfile, asJSON bool, v *healVolume) error {
	a := &healArgs{full: req.full, info: req.info, splitBrain: req.splitBrain, json: asJSON}
	switch req.policy {
	case "":
		return a.run(ctx, w, v)
	case "bigger-file":
		a.resolve, a.policy = req.path, heal.ResolveBiggerFile
		return a.run(ctx, w, v)
	case "latest-mtime":
		a.resolve, a.policy = req.path, heal.ResolveLatestMtime
		return a.run(ctx, w, v)
	}
	cands, err := bricksOnHost(vf, req.sourceBrick)
	if err != nil {
		return err
	}
	// The brick of HOST in the set of the file: try HOST's bricks (one per
	// set, normally) until one is in that set.
	var first error
	for _, ref := range cands {
		a.resolve, a.policy = req.path, heal.ResolveSourceBrick+ref.String()
		err := a.run(ctx, w, v)
		if err == nil {
			return nil
		}
		if first == nil || (strings.Contains(first.Error(), "no brick") && !strings.Contains(err.Error(), "no brick")) {
			first = err
		}
	}
	return first
}

// bricksOnHost returns the bricks of vf served by the daemon of HOST (of
// HOST:/PATH): a replica set has one brick per peer unless forced, so the
// host names the brick of a set.
func bricksOnHost(vf *volume.Volfile, spec string) ([]volume.BrickRef, error) {
	host, _, _ := strings.Cut(spec, ":/")
	want := addrsOf(host)
	var out []volume.BrickRef
	for _, s := range vf.Sets {
		for _, ref := range s.Bricks {
			h, _, err := net.SplitHostPort(ref.Addr)
			if err != nil {
				continue
			}
			for _, a := range addrsOf(h) {
				if slices.Contains(want, a) {
					out = append(out, ref)
					break
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("source-brick %s: volume %s has no brick on %s", spec, vf.Name, host)
	}
	return out, nil
}

// addrsOf returns host and the addresses it resolves to.
func addrsOf(host string) []string {
	out := []string{host}
	if addrs, err := net.LookupHost(host); err == nil {
		out = append(out, addrs...)
	}
	return out
}

// volumeHeal runs `volume heal` args: it fetches the volume's volfile from
// server (the local daemon's socket, unix:/PATH, or --remote-host) and
// heals from this process.
func volumeHeal(ctx context.Context, e *env, server string, args []string, asJSON bool, logf *logFlags) error {
	req, err := parseVolumeHeal(args)
	if err != nil {
		return err
	}
	log, closeLog, err := logf.logger(e.stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	f, err := volfile.Fetch(ctx, volfile.Config{Servers: []string{server}, Volume: req.volume, Client: "mortar volume heal", Logger: log})
	if err != nil {
		return fmt.Errorf("volume heal %s: %w", req.volume, err)
	}
	if f.Volfile.Replica < 2 {
		return fmt.Errorf("volume heal %s: volume is not of type replicate: nothing to heal", req.volume)
	}
	v, err := openHealVolume(ctx, f.Volfile, log)
	if err != nil {
		return err
	}
	defer v.close()
	return runVolumeHeal(ctx, e.stdout, req, f.Volfile, asJSON, v)
}
