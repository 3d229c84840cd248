package fusefs

import (
	"log/slog"
	"time"
)

// Options configure a mount.
type Options struct {
	// EntryTimeout, AttrTimeout and NegativeTimeout are the kernel's
	// cache lifetimes for names, attributes and failed lookups. Zero
	// means no caching; DefaultOptions gives GlusterFS's one second.
	EntryTimeout, AttrTimeout, NegativeTimeout time.Duration
	// ReadOnly mounts the volume read-only.
	ReadOnly bool
	// NoAtime mounts with MS_NOATIME: reads never update access times,
	// and fusefs does not emulate relatime (atime.go).
	NoAtime bool
	// AllowOther lets users other than the mounting one use the mount.
	AllowOther bool
	// FsName is the source shown by df and /proc/mounts ("HOST:/VOL").
	FsName string
	// MaxBackground is the kernel's limit of background requests
	// (readahead, async writes); 0 means 64.
	MaxBackground int
	// WriteBehindWindow is how many bytes of each inode's writes may be
	// answered before they are made (writebehind.go); 0 turns
	// write-behind off. DefaultOptions gives DefaultWriteBehindWindow.
	WriteBehindWindow int
	// Debug logs every FUSE request and reply.
	Debug bool
	// Logger receives the mount's logs; nil means slog.Default().
	Logger *slog.Logger
}

const defaultMaxBackground = 64

// DefaultWriteBehindWindow is the write-behind window of a mount without
// options: four 1 MiB writes.
const DefaultWriteBehindWindow = 4 << 20

// DefaultOptions are the options of a mount without -o: one-second
// caches, as GlusterFS, and access for every user.
func DefaultOptions() Options {
	return Options{
		EntryTimeout:      time.Second,
		AttrTimeout:       time.Second,
		NegativeTimeout:   time.Second,
		AllowOther:        true,
		MaxBackground:     defaultMaxBackground,
		WriteBehindWindow: DefaultWriteBehindWindow,
	}
}

// normalized fills in what a zero Options leaves unset.
func (o Options) normalized() Options {
	for _, d := range []*time.Duration{&o.EntryTimeout, &o.AttrTimeout, &o.NegativeTimeout} {
		if *d < 0 {
			*d = 0
		}
	}
	if o.MaxBackground <= 0 {
		o.MaxBackground = defaultMaxBackground
	}
	if o.WriteBehindWindow < 0 {
		o.WriteBehindWindow = 0
	}
	if o.FsName == "" {
		o.FsName = "mortar"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
