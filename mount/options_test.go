package mount

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestReplicationOptions(t *testing.T) {
	o, err := ParseOptions(DefaultOptions(), "quorum-count=2,stale-reads,favorite-child-policy=mtime,post-op-delay=0.25,_netdev")
	if err != nil {
		t.Fatal(err)
	}
	if o.QuorumType != "fixed" || o.QuorumCount != 2 || !o.StaleReads || o.FavoriteChildPolicy != "mtime" || o.PostOpDelay != 250*time.Millisecond {
		t.Fatalf("parsed %+v", o)
	}
	if o, err = ParseOptions(DefaultOptions(), "quorum-type=none,post-op-delay=0,favorite-child-policy=none"); err != nil ||
		o.QuorumType != "none" || o.PostOpDelay >= 0 || o.FavoriteChildPolicy != "" {
		t.Fatalf("parsed %+v, %v", o, err)
	}
	for _, bad := range []string{"quorum-type=most", "quorum-count=0", "stale-reads=1", "favorite-child-policy=random", "post-op-delay=-1"} {
		if _, err := ParseOptions(DefaultOptions(), bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestBackupVolfileServers(t *testing.T) {
	for in, want := range map[string][]string{
		"h2:h3":                 {"h2", "h3"},
		"h2:7430:h3":            {"h2:7430", "h3"},
		"127.0.0.1:1:127.0.0.2": {"127.0.0.1:1", "127.0.0.2"},
		"[::1]:[::2]:7":         {"[::1]", "[::2]:7"},
	} {
		o, err := ParseOptions(DefaultOptions(), "backup-volfile-servers="+in)
		if err != nil || !slices.Equal(o.BackupVolfileServers, want) {
			t.Errorf("%s: got %q, %v; want %q", in, o.BackupVolfileServers, err, want)
		}
	}
}

func TestEffectiveOptions(t *testing.T) {
	vo := map[string]string{"performance.entry-timeout": "7", "cluster.quorum-type": "fixed", "cluster.quorum-count": "2",
		"cluster.stale-reads": "on", "auth.allow": "10.0.0.1", "cluster.favorite-child-policy": "sideways"}
	o, err := EffectiveOptions(vo, "entry-timeout=3,attribute-timeout=2", nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.EntryTimeout != 3*time.Second || o.AttrTimeout != 2*time.Second || o.NegativeTimeout != time.Second {
		t.Errorf("timeouts %v %v %v: the mount's -o wins over the volume's options, the defaults fill the rest", o.EntryTimeout, o.AttrTimeout, o.NegativeTimeout)
	}
	if o.QuorumType != "fixed" || o.QuorumCount != 2 || !o.StaleReads || o.FavoriteChildPolicy != "" {
		t.Errorf("replication options from the volume: %+v", o)
	}
	o, err = DefaultOptions().WithVolumeOptions(map[string]string{"attribute-timeout": "5", "quorum-count": "", "favorite-child-policy": "none", "post-op-delay": "0"})
	if err != nil || o.AttrTimeout != 5*time.Second || o.QuorumCount != 0 || o.FavoriteChildPolicy != "" || o.PostOpDelay != -1 {
		t.Errorf("volfile options under mount keys: %+v, %v", o, err)
	}
	if _, err := DefaultOptions().WithVolumeOptions(vo); err == nil || !strings.Contains(err.Error(), "cluster.favorite-child-policy=sideways") {
		t.Errorf("a bad volume option value is reported: %v", err)
	}
}

func TestWriteBehindOptions(t *testing.T) {
	if DefaultOptions().WriteBehindWindow != 4<<20 {
		t.Fatalf("default window %d", DefaultOptions().WriteBehindWindow)
	}
	for in, want := range map[string]int{
		"write-behind=off":               0,
		"write-behind=off,write-behind":  4 << 20,
		"write-behind-window-size=1MB":   1 << 20,
		"write-behind-window-size=512KB": 512 << 10,
		"write-behind-window-size=65536": 65536,
		"write-behind=on":                4 << 20,
		"write-behind-window-size=0":     0,
	} {
		o, err := ParseOptions(DefaultOptions(), in)
		if err != nil || o.WriteBehindWindow != want {
			t.Errorf("%s: window %d, %v; want %d", in, o.WriteBehindWindow, err, want)
		}
	}
	for _, bad := range []string{"write-behind=maybe", "write-behind-window-size=2GB", "write-behind-window-size=-1", "write-behind-window-size=big"} {
		if _, err := ParseOptions(DefaultOptions(), bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	o, err := DefaultOptions().WithVolumeOptions(map[string]string{"performance.write-behind": "off"})
	if err != nil || o.WriteBehindWindow != 0 {
		t.Fatalf("volume option performance.write-behind=off: window %d, %v", o.WriteBehindWindow, err)
	}
	o, err = DefaultOptions().WithVolumeOptions(map[string]string{"performance.write-behind-window-size": "8MB"})
	if err != nil || o.WriteBehindWindow != 8<<20 {
		t.Fatalf("volume option performance.write-behind-window-size=8MB: window %d, %v", o.WriteBehindWindow, err)
	}
}
