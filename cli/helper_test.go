package cli

import (
	"slices"
	"testing"
)

// TestHelperArgs: mount.mortar takes mount(8)'s command line, flags
// before, between or after the source and directory.
func TestHelperArgs(t *testing.T) {
	h, err := parseHelperArgs([]string{"h:/v", "/mnt", "-sv", "-o", "ro,_netdev", "-n", "-t", "mortar", "-oentry-timeout=0"})
	if err != nil {
		t.Fatal(err)
	}
	if h.source != "h:/v" || h.dir != "/mnt" || !h.sloppy || !h.verbose || h.fake || !slices.Equal(h.opts, []string{"ro,_netdev", "entry-timeout=0"}) {
		t.Errorf("parsed %+v", h)
	}
	h, err = parseHelperArgs([]string{"-f", "h:/v", "/mnt"})
	if err != nil || !h.fake {
		t.Errorf("-f: %+v, %v", h, err)
	}
	for _, bad := range [][]string{{"h:/v"}, {"h:/v", "/mnt", "-o"}, {"h:/v", "/mnt", "-x"}, {"a", "b", "c"}} {
		if _, err := parseHelperArgs(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if got := dropUnknownOptions("ro,frobnicate,_netdev,entry-timeout=2,x-gvfs-show"); got != "ro,_netdev,entry-timeout=2,x-gvfs-show" {
		t.Errorf("sloppy options: %q", got)
	}
}
