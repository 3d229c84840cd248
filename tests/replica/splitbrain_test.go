package replica

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mortarfs/mortar/tests/cluster"
)

// TestSplitBrain makes a data split-brain on a replica-2 volume without
// quorum (quorum-type=none): client A, cut off from b2, writes each file on
// b1 alone; then client B, cut off from b1, writes it on b2 alone. Each
// brick now accuses the other. A fresh mount must answer EIO for these
// files, `mortar heal --info --split-brain` must list them, heal must not
// pick a side by itself, and each policy must resolve its file the way it
// says: source-brick:b2 (b2's copy), bigger-file (A's, the bigger),
// latest-mtime (B's, written last).
func TestSplitBrain(t *testing.T) {
	v := startVolume(t, 2, 2, 0)
	v.Force = true // replica 2 without an arbiter: refused unless forced
	noQuorum := "quorum-type=none"
	files := []string{"f-src", "f-big", "f-mtime"}
	sideA := bytes.Repeat([]byte("A"), 3000)
	sideB := []byte("BB")

	pa := cluster.ProxiesFor(t, v.Bricks)
	pb := cluster.ProxiesFor(t, v.Bricks)
	ma := v.MountThrough(t, pa, noQuorum)
	mb := v.MountThrough(t, pb, noQuorum)
	var base []op
	for _, f := range files {
		base = append(base, opWrite(ma+"/"+f, []byte("base")))
	}
	mustDo(t, "writing the base content through A", base...)
	mustDo(t, "B sees the files", opStat(mb+"/"+files[0]), opStat(mb+"/"+files[2]))

	// Both partitions at once: neither client can see, let alone heal,
	// what the other wrote.
	pa[1].Blackhole() // A reaches b1 only
	pb[0].Blackhole() // B reaches b2 only
	var writesA, writesB []op
	for _, f := range files {
		writesA = append(writesA, opWrite(ma+"/"+f, sideA))
		writesB = append(writesB, opWrite(mb+"/"+f, sideB))
	}
	mustDo(t, "A writing on b1 alone", writesA...)
	mustDo(t, "B writing on b2 alone (after A)", writesB...)
	// Both clients go away while still cut off: nothing of theirs can heal.
	cluster.Unmount(t, ma)
	cluster.Unmount(t, mb)
	for _, p := range append(pa, pb...) {
		p.Pass()
	}

	b1, b2 := v.Bricks[0], v.Bricks[1]
	for _, f := range files {
		requireAccuses(t, b1, b2, f)
		requireAccuses(t, b2, b1, f)
	}

	mnt := v.Mount(t)
	for _, f := range files {
		wantErrno(t, "reading "+f+" in split-brain", doBounded(t, "read "+f, opRead(mnt+"/"+f)), "EIO")
	}
	info := v.Info(t, "--split-brain")
	for _, f := range files {
		if !info.InSplitBrain("/"+f, gfidOf(t, onBrick(b1, f))) {
			t.Errorf("heal --info --split-brain does not list /%s:\n%s", f, info)
		}
	}
	// An index heal must leave split-brain alone.
	if _, err := v.RunHeal(); err != nil {
		t.Logf("heal with files in split-brain: %v", err)
	}
	for _, f := range files {
		wantErrno(t, "reading "+f+" after a plain heal", doBounded(t, "read "+f, opRead(mnt+"/"+f)), "EIO")
	}

	resolve := []struct {
		file, policy string
		want         []byte
	}{
		{"f-src", "source-brick:" + b2.Name, sideB},
		{"f-big", "bigger-file", sideA},
		{"f-mtime", "latest-mtime", sideB},
	}
	for _, r := range resolve {
		v.Heal(t, "--resolve", "/"+r.file, "--policy", r.policy)
		var last opResult
		ok := waitCond(10*time.Second, func() bool {
			last = doBounded(t, "read "+r.file, opRead(mnt+"/"+r.file))
			return last.Errno == "" && bytes.Equal(last.Data, r.want)
		})
		if !ok {
			t.Errorf("after --resolve /%s --policy %s: read %v %q, want %q", r.file, r.policy, last, clip(last.Data), clip(r.want))
		}
	}
	if info := v.Info(t); len(info.SplitBrain) > 0 {
		t.Errorf("split-brain entries left after resolving every file: %v", info.SplitBrain)
	}
	settle(t, v, mnt)
}

// requireAccuses fails the test unless brick a holds a non-zero data
// counter against brick b for the volume path rel.
func requireAccuses(t *testing.T, a, b *cluster.Brick, rel string) {
	t.Helper()
	m, err := cluster.Pending(onBrick(a, rel))
	if err != nil {
		t.Fatal(err)
	}
	if m[b.ID()].Data == 0 {
		t.Fatalf("split-brain not made: brick %s does not accuse %s for /%s (counters %s)", a.Name, b.Name, rel, fmtCounters(m))
	}
}

func fmtCounters(m map[string]cluster.Counters) string {
	var parts []string
	for id, c := range m {
		parts = append(parts, fmt.Sprintf("pending.%s{%v}", id, c))
	}
	return strings.Join(parts, " ")
}

// waitCond polls cond under bound, as cluster.WaitFor, and reports whether
// it held, for tests that say themselves what went wrong.
func waitCond(bound time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(bound)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(delay) // polling interval of a bounded wait
	}
}
