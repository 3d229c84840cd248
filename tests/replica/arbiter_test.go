package replica

import (
	"bytes"
	"testing"

	"github.com/mortarfs/mortar/tests/cluster"
)

// TestArbiter runs replica 3 arbiter 1 (b3 the arbiter). The arbiter holds
// every name with its attributes but files of size 0. With a data brick
// down, or the arbiter down, writes go on (the arbiter breaks the tie).
// With the only up-to-date data brick down, the stale one and the arbiter
// must not serve the stale content nor take writes that would make it a
// source. Heal makes the data bricks identical and the arbiter identical
// but for data.
func TestArbiter(t *testing.T) {
	v := startVolume(t, 3, 3, 1)
	b1, b2, arb := v.Bricks[0], v.Bricks[1], v.Bricks[2]
	mnt := v.Mount(t)
	old := bytes.Repeat([]byte("old "), 1<<18) // 1 MiB
	mustDo(t, "writing", opMkdir(mnt+"/d", 0o755), opWrite(mnt+"/d/f", old), opWrite(mnt+"/g", []byte("g")))
	for _, rel := range []string{"d/f", "g"} {
		var st fileStat
		if err := lstat(onBrick(arb, rel), &st); err != nil {
			t.Errorf("arbiter %s: %s: %v", arb.Name, rel, err)
		} else if st.size != 0 || !st.regular {
			t.Errorf("arbiter %s: %s is %d bytes (regular %v); want an empty regular file", arb.Name, rel, st.size, st.regular)
		}
	}

	// A data brick down: the other and the arbiter keep quorum.
	b1.Kill()
	new1 := bytes.Repeat([]byte("new "), 1<<18)
	mustDo(t, "writing with "+b1.Name+" down", opWrite(mnt+"/d/f", new1), opWrite(mnt+"/d/h", []byte("made while b1 was down")), opChmod(mnt+"/g", 0o600))

	// Now the only good copy goes: b1 is stale and the arbiter has no data.
	b2.Kill()
	b1.Restart()
	waitReachable(t, mnt, b1, arb)
	for _, c := range []struct {
		what string
		o    op
	}{{"reading d/f", opRead(mnt + "/d/f")}, {"reading d/h", opRead(mnt + "/d/h")}} {
		r := doBounded(t, c.what, c.o)
		if r.Errno == "" {
			t.Errorf("%s with only the stale data brick and the arbiter up: read %q; the arbiter holds no data and %s missed the write: want an error", c.what, clip(r.Data), b1.Name)
		}
	}
	if r := doBounded(t, "writing d/f", opPwrite(mnt+"/d/f", 0, []byte("x"))); r.Errno == "" {
		t.Errorf("writing d/f with only the stale data brick and the arbiter up succeeded: the stale copy would become a source")
	}
	b2.Restart()
	waitReachable(t, mnt, b1, b2, arb)
	v.HealUntilClean(t, healBound)
	got := mustDo(t, "reading after heal", opRead(mnt+"/d/f"), opRead(mnt+"/d/h"))
	if !bytes.Equal(got[0].Data, new1) || string(got[1].Data) != "made while b1 was down" {
		t.Errorf("after heal: d/f %q, d/h %q", clip(got[0].Data), clip(got[1].Data))
	}

	// The arbiter down: the two data bricks keep quorum.
	arb.Kill()
	mustDo(t, "writing with the arbiter down", opWrite(mnt+"/d/f", []byte("third")), opMkdir(mnt+"/e", 0o755))
	arb.Restart()
	settle(t, v, mnt)
	for _, b := range []*cluster.Brick{b1, b2} {
		if got, err := hashFile(onBrick(b, "d/f")); err != nil || got != sha([]byte("third")) {
			t.Errorf("brick %s: d/f is not the last write (%v)", b.Name, err)
		}
	}
}
