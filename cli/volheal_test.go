package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/fop/faulty"
	"github.com/mortarfs/mortar/mount/heal/healtest"
	"github.com/mortarfs/mortar/mount/volfile/volfiletest"
	"github.com/mortarfs/mortar/volume"
)

func TestParseVolumeHeal(t *testing.T) {
	for _, c := range []struct {
		args string
		want volumeHealRequest
	}{
		{"www", volumeHealRequest{volume: "www"}},
		{"www full", volumeHealRequest{volume: "www", full: true}},
		{"www info", volumeHealRequest{volume: "www", info: true}},
		{"www info split-brain", volumeHealRequest{volume: "www", info: true, splitBrain: true}},
		{"www split-brain bigger-file /a/b", volumeHealRequest{volume: "www", policy: "bigger-file", path: "/a/b"}},
		{"www split-brain latest-mtime a", volumeHealRequest{volume: "www", policy: "latest-mtime", path: "/a"}},
		{"www split-brain source-brick h2:/srv/b /f", volumeHealRequest{volume: "www", policy: "source-brick", sourceBrick: "h2:/srv/b", path: "/f"}},
	} {
		got, err := parseVolumeHeal(strings.Fields(c.args))
		if err != nil || got != c.want {
			t.Errorf("%q: got %+v, %v; want %+v", c.args, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "www fulll", "www info x", "www split-brain bigger-file", "www split-brain source-brick h2 /f", "www split-brain coin-toss /f"} {
		if _, err := parseVolumeHeal(strings.Fields(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestVolumeHeal: `volume heal NAME info` lists what a brick missed, a
// heal empties the list, from the volfile a volfile server hands out.
func TestVolumeHeal(t *testing.T) {
	c := healtest.NewCluster(t, 3)
	ctx := context.Background()
	var kids []fop.Brick
	var fbs []*faulty.Brick
	for _, b := range c.FopBricks() {
		fb := faulty.Wrap(b)
		fbs, kids = append(fbs, fb), append(kids, fb)
	}
	set, err := afr.New(kids, afr.Options{Name: "www-set-0", PostOpDelay: -1, Logger: healtest.Quiet})
	if err != nil {
		t.Fatal(err)
	}
	fbs[2].SetDown(true)
	_, f, err := set.Create(ctx, fop.RootGfid, "missed", unix.O_RDWR|unix.O_CREAT, fop.NewInode{Gfid: fop.NewGfid(), Mode: 0o644})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Release(ctx); err != nil {
		t.Fatal(err)
	}
	vf, err := volume.FromBricks("www", []volume.BrickRef{{Addr: c.Addr, Name: "b0"}, {Addr: c.Addr, Name: "b1"}, {Addr: c.Addr, Name: "b2"}}, 3)
	if err != nil {
		t.Fatal(err)
	}
	srv := volfiletest.New(t, vf)
	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		lf := &logFlags{level: "error"}
		if err := volumeHeal(ctx, &env{stdout: &out, stderr: &errb}, srv.Addr(), args, false, lf); err != nil {
			t.Fatalf("volume heal %q: %v\n%s%s", args, err, out.String(), errb.String())
		}
		return out.String()
	}
	if out := run("www", "info"); !strings.Contains(out, "Number of entries: 1") || !strings.Contains(out, "Brick "+c.Addr+"/b0") {
		t.Fatalf("info before heal:\n%s", out)
	}
	run("www")
	out := run("www", "info")
	if strings.Count(out, "Number of entries: 0") != 3 {
		t.Fatalf("info after heal:\n%s", out)
	}
	healtest.RequireClean(t, c.Dirs)
	var o, e bytes.Buffer
	err = volumeHeal(ctx, &env{stdout: &o, stderr: &e}, srv.Addr(), []string{"nope", "info"}, false, &logFlags{level: "error"})
	if err == nil || !strings.Contains(err.Error(), "volume nope does not exist") {
		t.Errorf("unknown volume: %v", err)
	}
}
