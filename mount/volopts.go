package mount

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"
)

// volumeOptionKeys maps the volume options a client applies (set with
// `mortar volume set`) to the mount options they stand for. The volfile
// carries them under the mount option's key (volume.MountOptions); the
// gluster names are accepted too. A mount's own -o options override them.
var volumeOptionKeys = map[string]string{
	"performance.attribute-timeout":        "attribute-timeout",
	"performance.entry-timeout":            "entry-timeout",
	"performance.negative-timeout":         "negative-timeout",
	"cluster.quorum-type":                  "quorum-type",
	"cluster.quorum-count":                 "quorum-count",
	"cluster.favorite-child-policy":        "favorite-child-policy",
	"cluster.post-op-delay-secs":           "post-op-delay",
	"cluster.stale-reads":                  "stale-reads",
	"features.read-only":                   "ro",
	"performance.write-behind":             "write-behind",
	"performance.write-behind-window-size": "write-behind-window-size",
}

// mountKeys are the mount options a volfile may carry.
var mountKeys = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range volumeOptionKeys {
		m[k] = true
	}
	return m
}()

// WithVolumeOptions applies the client-side options of a volfile to o.
// Options meant for the servers (auth.allow, ...) and unknown ones are
// ignored; a value the client cannot use is reported in the error and
// skipped, the others still apply.
func (o Options) WithVolumeOptions(vo map[string]string) (Options, error) {
	keys := make([]string, 0, len(vo))
	for k := range vo {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var bad []string
	for _, k := range keys {
		mk, ok := volumeOptionKeys[k]
		if !ok && mountKeys[k] {
			mk, ok = k, true
		}
		v := vo[k]
		if !ok || v == "" {
			continue
		}
		var err error
		switch mk {
		case "stale-reads", "ro":
			if on, isBool := boolOption(v); !isBool {
				err = fmt.Errorf("want on or off")
			} else if on {
				err = o.set(mk, "", false)
			} else if mk == "ro" {
				o.ReadOnly = false
			} else {
				o.StaleReads = false
			}
		default:
			err = o.set(mk, v, true)
		}
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s=%s: %v", k, v, err))
		}
	}
	if len(bad) > 0 {
		return o, fmt.Errorf("volume options ignored: %s", strings.Join(bad, "; "))
	}
	return o, nil
}

// boolOption parses GlusterFS's boolean option values.
func boolOption(v string) (on, ok bool) {
	switch strings.ToLower(v) {
	case "on", "yes", "true", "enable", "1":
		return true, true
	case "off", "no", "false", "disable", "0":
		return false, true
	}
	return false, false
}

// EffectiveOptions are a mount's options: the defaults, then the volume's
// options from its volfile (values it cannot use are logged and skipped),
// then the mount's own -o list (whose errors are returned).
func EffectiveOptions(vo map[string]string, mountOpts string, log *slog.Logger) (Options, error) {
	o, err := DefaultOptions().WithVolumeOptions(vo)
	if err != nil && log != nil {
		log.Warn("volume options", "err", err)
	}
	return ParseOptions(o, mountOpts)
}
