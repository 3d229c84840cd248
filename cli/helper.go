package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Exit statuses of mount.mortar, mount(8)'s: 1 for a wrong command line,
// 32 for a mount that failed.
const (
	exitHelperUsage = 1
	exitHelperFail  = 32
)

const helperUsage = "usage: mount.mortar HOST[:PORT]:/VOLUME DIR [-sfnv] [-o OPTIONS]"

// helperArgs is mount.mortar's command line as mount(8) passes it:
// "SOURCE DIR [-sfnv] [-N NS] [-o OPTIONS] [-t TYPE]", flags anywhere.
type helperArgs struct {
	source, dir string
	opts        []string
	sloppy      bool // -s: ignore options it does not know
	fake        bool // -f: do everything but the mount
	verbose     bool // -v
}

func parseHelperArgs(args []string) (helperArgs, error) {
	var h helperArgs
	var pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-o" || a == "-t" || a == "-N":
			if i+1 >= len(args) {
				return h, fmt.Errorf("%s needs a value", a)
			}
			i++
			switch a {
			case "-o":
				h.opts = append(h.opts, args[i])
			case "-N":
				return h, errors.New("-N (mount namespaces) is not supported")
			}
		case strings.HasPrefix(a, "-o") && len(a) > 2:
			h.opts = append(h.opts, a[2:])
		case a == "-h" || a == "--help":
			return h, errors.New("help")
		case strings.HasPrefix(a, "-") && len(a) > 1 && strings.Trim(a[1:], "sfnvri") == "":
			h.sloppy = h.sloppy || strings.Contains(a, "s")
			h.fake = h.fake || strings.Contains(a, "f")
			h.verbose = h.verbose || strings.Contains(a, "v")
			if strings.Contains(a, "r") {
				h.opts = append(h.opts, "ro")
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			return h, fmt.Errorf("unknown flag %s", a)
		default:
			pos = append(pos, a)
		}
	}
	if len(pos) != 2 {
		return h, fmt.Errorf("want a source and a directory, got %d arguments", len(pos))
	}
	h.source, h.dir = pos[0], pos[1]
	return h, nil
}

// runHelper is mount.mortar: mount(8) runs it for "mount -t mortar" and
// fstab lines of type mortar. It returns once the mount is usable, with
// a clear message and a non-zero status when it is not.
func runHelper(ctx context.Context, e *env, args []string) int {
	h, err := parseHelperArgs(args)
	if err != nil {
		if err.Error() == "help" {
			fmt.Fprintln(e.stdout, helperUsage)
			return exitOK
		}
		fmt.Fprintf(e.stderr, "mount.mortar: %v\n%s\n", err, helperUsage)
		return exitHelperUsage
	}
	vm, err := newVolumeMount(h.source, h.dir, strings.Join(h.opts, ","), h.sloppy, false)
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(e.stderr, "mount.mortar: %v\n%s\n", err, helperUsage)
			return exitHelperUsage
		}
		fmt.Fprintf(e.stderr, "mount.mortar: %v\n", err)
		return exitHelperFail
	}
	if h.fake {
		if h.verbose {
			fmt.Fprintf(e.stdout, "mount.mortar: would mount %s on %s\n", h.source, vm.mountpoint)
		}
		return exitOK
	}
	if err := vm.run(ctx, e); err != nil {
		fmt.Fprintf(e.stderr, "mount.mortar: mounting %s on %s failed: %v\n", h.source, vm.mountpoint, err)
		return exitHelperFail
	}
	if h.verbose {
		fmt.Fprintf(e.stdout, "mount.mortar: %s mounted on %s\n", h.source, vm.mountpoint)
	}
	return exitOK
}
