package mount

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/mortarfs/mortar/mount/fusefs"
	"github.com/mortarfs/mortar/volume"
)

// Options are the mount options given with -o.
type Options struct {
	AttrTimeout     time.Duration
	EntryTimeout    time.Duration
	NegativeTimeout time.Duration
	ReadOnly        bool
	NoAtime         bool // noatime: reads never update access times
	LogFile         string
	LogLevel        slog.Level
	Debug           bool // FUSE request tracing
	// WriteBehindWindow: bytes of each file's writes answered before
	// they reach the bricks; 0 is write-behind=off.
	WriteBehindWindow int
	// BackupVolfileServers are other servers to fetch the volfile from.
	BackupVolfileServers []string

	// Replication (volumes with replica > 1), as mount/afr's Options.
	QuorumType          string        // quorum-type=auto|fixed|none ("": auto)
	QuorumCount         int           // quorum-count=N (with fixed)
	StaleReads          bool          // stale-reads: read without quorum
	FavoriteChildPolicy string        // favorite-child-policy=size|mtime|majority
	PostOpDelay         time.Duration // post-op-delay=SECONDS (0: afr's default, 1 s)
}

// DefaultOptions are GlusterFS's defaults: one-second kernel caches.
func DefaultOptions() Options {
	return Options{
		AttrTimeout:     time.Second,
		EntryTimeout:    time.Second,
		NegativeTimeout: time.Second,
		LogLevel:        slog.LevelInfo,

		WriteBehindWindow: fusefs.DefaultWriteBehindWindow,
	}
}

// ignoredOptions are generic mount(8) options that mean nothing to mortar
// but appear in fstab lines and must not fail a mount.
var ignoredOptions = map[string]bool{
	"rw": true, "defaults": true, "_netdev": true, "auto": true, "noauto": true,
	"nofail": true, "user": true, "nouser": true, "exec": true, "noexec": true,
	"suid": true, "nosuid": true, "dev": true, "nodev": true, "async": true,
	"relatime": true, "atime": true, "x-systemd.automount": true,
}

// ParseOptions parses a comma-separated -o list on top of opts.
func ParseOptions(opts Options, s string) (Options, error) {
	for _, kv := range strings.Split(s, ",") {
		if kv == "" {
			continue
		}
		key, val, hasVal := strings.Cut(kv, "=")
		if err := opts.set(key, val, hasVal); err != nil {
			return opts, fmt.Errorf("mount option %q: %w", kv, err)
		}
	}
	return opts, nil
}

func (o *Options) set(key, val string, hasVal bool) error {
	switch key {
	case "attribute-timeout", "attr-timeout":
		return parseSeconds(val, &o.AttrTimeout)
	case "entry-timeout":
		return parseSeconds(val, &o.EntryTimeout)
	case "negative-timeout":
		return parseSeconds(val, &o.NegativeTimeout)
	case "ro":
		o.ReadOnly = true
	case "noatime":
		o.NoAtime = true
	case "log-file":
		if val == "" {
			return fmt.Errorf("needs a path")
		}
		o.LogFile = val
	case "log-level":
		return o.LogLevel.UnmarshalText([]byte(strings.ToUpper(glusterLevel(val))))
	case "debug":
		o.Debug = true
	case "write-behind":
		on, ok := boolOption(val)
		if !hasVal {
			on, ok = true, true
		}
		if !ok {
			return fmt.Errorf("want on or off")
		}
		o.WriteBehindWindow = 0
		if on {
			o.WriteBehindWindow = fusefs.DefaultWriteBehindWindow
		}
	case "write-behind-window-size":
		n, err := volume.ParseSize(val)
		if err != nil {
			return err
		}
		o.WriteBehindWindow = n
	case "backup-volfile-servers", "backupvolfile-server":
		o.BackupVolfileServers = splitServers(val)
	case "quorum-type", "favorite-child-policy", "quorum-count", "stale-reads", "post-op-delay":
		return o.setReplication(key, val, hasVal)
	default:
		if strings.HasPrefix(key, "x-") || ignoredOptions[key] {
			return nil
		}
		return fmt.Errorf("unknown option")
	}
	if hasVal && (key == "ro" || key == "noatime") {
		return fmt.Errorf("takes no value")
	}
	return nil
}

// setReplication parses the options of replicated volumes.
func (o *Options) setReplication(key, val string, hasVal bool) error {
	switch key {
	case "quorum-type":
		if val != "auto" && val != "fixed" && val != "none" {
			return fmt.Errorf("want auto, fixed or none")
		}
		o.QuorumType = val
	case "quorum-count":
		n, err := strconv.Atoi(val)
		if err != nil || n < 1 {
			return fmt.Errorf("want a positive number of bricks")
		}
		o.QuorumCount = n
		if o.QuorumType == "" {
			o.QuorumType = "fixed" // as GlusterFS: a count implies fixed
		}
	case "stale-reads":
		if hasVal {
			return fmt.Errorf("takes no value")
		}
		o.StaleReads = true
	case "favorite-child-policy":
		if val != "size" && val != "mtime" && val != "majority" && val != "none" {
			return fmt.Errorf("want size, mtime, majority or none")
		}
		o.FavoriteChildPolicy = strings.TrimPrefix(val, "none")
	case "post-op-delay":
		if err := parseSeconds(val, &o.PostOpDelay); err != nil {
			return err
		}
		if o.PostOpDelay == 0 {
			o.PostOpDelay = -1 // afr: no delay at all
		}
	}
	return nil
}

// glusterLevel maps GlusterFS's log level names to slog's.
func glusterLevel(v string) string {
	switch strings.ToUpper(v) {
	case "TRACE", "DEBUG":
		return "DEBUG"
	case "WARNING", "WARN":
		return "WARN"
	case "ERROR", "CRITICAL", "NONE":
		return "ERROR"
	}
	return v
}

func parseSeconds(v string, d *time.Duration) error {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 {
		return fmt.Errorf("want a non-negative number of seconds")
	}
	*d = time.Duration(f * float64(time.Second))
	return nil
}

// splitServers splits GlusterFS's colon-separated list of volfile servers
// (HOST1:HOST2). A number after a host is that host's port
// (HOST1:7430:HOST2), and [IPv6] addresses keep their colons.
func splitServers(v string) []string {
	var out []string
	for v != "" {
		var tok string
		if strings.HasPrefix(v, "[") {
			end := strings.IndexByte(v, ']')
			if end < 0 {
				end = len(v) - 1
			}
			tok, v = v[:end+1], v[end+1:]
			v = strings.TrimPrefix(v, ":")
		} else {
			tok, v, _ = strings.Cut(v, ":")
		}
		if _, err := strconv.Atoi(tok); err == nil && len(out) > 0 && !hasPort(out[len(out)-1]) {
			out[len(out)-1] += ":" + tok
			continue
		}
		if tok != "" {
			out = append(out, tok)
		}
	}
	return out
}

func hasPort(hostport string) bool {
	_, _, err := net.SplitHostPort(hostport)
	return err == nil
}
