package mount

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// Options are the mount options given with -o.
type Options struct {
	AttrTimeout     time.Duration
	EntryTimeout    time.Duration
	NegativeTimeout time.Duration
	ReadOnly        bool
	LogFile         string
	LogLevel        slog.Level
	Debug           bool // FUSE request tracing
	// BackupVolfileServers are other servers to fetch the volfile from.
	BackupVolfileServers []string
}

// DefaultOptions are GlusterFS's defaults: one-second kernel caches.
func DefaultOptions() Options {
	return Options{
		AttrTimeout:     time.Second,
		EntryTimeout:    time.Second,
		NegativeTimeout: time.Second,
		LogLevel:        slog.LevelInfo,
	}
}

// ignoredOptions are generic mount(8) options that mean nothing to mortar
// but appear in fstab lines and must not fail a mount.
var ignoredOptions = map[string]bool{
	"rw": true, "defaults": true, "_netdev": true, "auto": true, "noauto": true,
	"nofail": true, "user": true, "nouser": true, "exec": true, "noexec": true,
	"suid": true, "nosuid": true, "dev": true, "nodev": true, "async": true,
	"relatime": true, "noatime": true, "atime": true, "x-systemd.automount": true,
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
	case "log-file":
		if val == "" {
			return fmt.Errorf("needs a path")
		}
		o.LogFile = val
	case "log-level":
		return o.LogLevel.UnmarshalText([]byte(strings.ToUpper(glusterLevel(val))))
	case "debug":
		o.Debug = true
	case "backup-volfile-servers", "backupvolfile-server":
		o.BackupVolfileServers = strings.Split(val, ":")
	default:
		if strings.HasPrefix(key, "x-") || ignoredOptions[key] {
			return nil
		}
		return fmt.Errorf("unknown option")
	}
	if hasVal && key == "ro" {
		return fmt.Errorf("takes no value")
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
