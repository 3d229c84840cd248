package replica

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mortarfs/mortar/tests/cluster"
)

// Bounds. "A few seconds" is what DESIGN.md allows a dead or frozen brick
// to stall an application.
const (
	opsBound    = 60 * time.Second // a child's calls when nothing is broken
	stallBound  = 15 * time.Second // one call while a brick dies or is cut off
	healBound   = 4 * time.Minute  // heal until --info lists nothing
	resumeBound = 30 * time.Second // service back after a partition ends
)

// startVolume starts n bricks and describes a volume of them.
func startVolume(t *testing.T, n, replica, arbiter int) *cluster.Volume {
	t.Helper()
	cluster.RequireFUSE(t)
	return cluster.NewVolume(t, cluster.StartBricks(t, n), replica, arbiter)
}

// do makes the calls in a child process, bounded, and returns each result.
func do(t *testing.T, what string, ops ...op) []opResult {
	t.Helper()
	r := runChild(t, what, job{Ops: ops}, opsBound)
	if len(r.Ops) != len(ops) {
		t.Fatalf("%s: %d results for %d calls", what, len(r.Ops), len(ops))
	}
	return r.Ops
}

// mustDo makes the calls and fails the test, naming each, unless all
// succeed.
func mustDo(t *testing.T, what string, ops ...op) []opResult {
	t.Helper()
	rs := do(t, what, ops...)
	var bad []string
	for i, r := range rs {
		if r.Errno != "" {
			bad = append(bad, fmt.Sprintf("%v: %v", ops[i], r))
		}
	}
	if len(bad) > 0 {
		t.Fatalf("%s: %d of %d calls failed:\n  %s", what, len(bad), len(ops), strings.Join(bad, "\n  "))
	}
	return rs
}

// doBounded makes one call in its own child and requires it to return
// within stallBound; a call that hangs longer fails the test.
func doBounded(t *testing.T, what string, o op) opResult {
	t.Helper()
	r := runChild(t, what, job{Ops: []op{o}}, stallBound+15*time.Second)
	res := r.Ops[0]
	if took := time.Duration(res.Took) * time.Millisecond; took > stallBound {
		t.Errorf("%s (%v) took %v (%v); a call may stall a few seconds at most (%v)", what, o, took, res, stallBound)
	}
	return res
}

// wantErrno fails the test unless r failed with one of allowed.
func wantErrno(t *testing.T, what string, r opResult, allowed ...string) {
	t.Helper()
	if !slices.Contains(allowed, r.Errno) {
		got := r.String()
		if r.Errno == "" && r.Data != nil {
			got = fmt.Sprintf("ok, read %q", clip(r.Data))
		}
		t.Errorf("%s: %s; want %s", what, got, strings.Join(allowed, " or "))
	}
}

func clip(b []byte) string {
	if len(b) > 64 {
		return string(b[:64]) + fmt.Sprintf("... (%d bytes)", len(b))
	}
	return string(b)
}

// settle is the end of every test: heal until `mortar heal --info` lists
// nothing, unmount the mounts (so nothing writes any more), then require
// clean changelogs and identical replicas in every set.
func settle(t *testing.T, v *cluster.Volume, mnts ...string) {
	t.Helper()
	v.HealUntilClean(t, healBound)
	for _, m := range mnts {
		cluster.Unmount(t, m)
	}
	requireIdentical(t, v)
}

// requireIdentical: nothing to heal on any brick, and the bricks of each
// set identical (an arbiter identical but for data).
func requireIdentical(t *testing.T, v *cluster.Volume) {
	t.Helper()
	cluster.RequireClean(t, v.Dirs()...)
	for _, dirs := range v.SetDirs() {
		if v.Arbiter > 0 {
			cluster.CompareArbiter(t, dirs[len(dirs)-1], dirs[:len(dirs)-1]...)
		} else {
			cluster.CompareBricks(t, dirs...)
		}
	}
}

// onBrick is the brick's copy of the volume path rel.
func onBrick(b *cluster.Brick, rel string) string { return filepath.Join(b.Dir, rel) }

// fileStat is what the tests look at of a brick's file.
type fileStat struct {
	size    int64
	regular bool
}

func lstat(path string, st *fileStat) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	st.size, st.regular = fi.Size(), fi.Mode().IsRegular()
	return nil
}

var probes atomic.Int64

// waitReachable waits until the mount writes to each of bricks again
// (after a restart the client reconnects on its own schedule): a file
// written through the mount must show up in their directories. The probe
// files stay, like any file of the volume.
func waitReachable(t *testing.T, mnt string, bricks ...*cluster.Brick) {
	t.Helper()
	name := fmt.Sprintf(".probe-%d", probes.Add(1))
	var names []string
	for _, b := range bricks {
		names = append(names, b.Name)
	}
	var last opResult
	cluster.WaitFor(t, resumeBound, "the mount to write to "+strings.Join(names, ", ")+" again", func() bool {
		last = doBounded(t, "writing "+name, opWrite(mnt+"/"+name, []byte("probe")))
		if last.Errno != "" {
			return false
		}
		for _, b := range bricks {
			if _, err := os.Lstat(onBrick(b, name)); err != nil {
				return false
			}
		}
		return true
	})
}
