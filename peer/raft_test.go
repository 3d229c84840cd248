package peer

import (
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mortarfs/mortar/proto/mgmtpb"
)

// TestCatchUp: a peer that is down while volumes are created, changed and
// deleted gets every change when it returns.
func TestCatchUp(t *testing.T) {
	requireRoot(t)
	nodes := newPool(t, 3)
	create(t, nodes, "gone")
	create(t, nodes, "www")
	waitConverged(t, nodes...)
	nodes[2].stop()
	p := nodes[0].pool()
	r, err := p.VolumeStart(ctxT(t), &mgmtpb.VolumeRequest{Name: "www"})
	if err != nil || !strings.Contains(r.GetMessage(), "start when their peers return") {
		t.Fatalf("start with a peer down: %v %v", r, err)
	}
	if _, err := p.VolumeSet(ctxT(t), &mgmtpb.VolumeSetRequest{Name: "www", Options: map[string]string{"cluster.quorum-type": "none"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.VolumeDelete(ctxT(t), &mgmtpb.VolumeRequest{Name: "gone"}); err != nil {
		t.Fatal(err)
	}
	nodes[2].start()
	waitConverged(t, nodes...)
	v := nodes[2].d.State().Volumes["www"]
	if v == nil || v.Status != StatusStarted || v.Options["cluster.quorum-type"] != "none" || nodes[2].d.State().Volumes["gone"] != nil {
		t.Fatalf("returning peer's state: %s", stateJSON(nodes[2]))
	}
	waitFor(t, "the returning peer serving its brick", func() bool {
		b := nodes[2].d.bricks.Bricks()
		return len(b) == 1 && b[0] == "www-2"
	})
}

// TestConcurrentCreates: two peers create the same volume name with
// different bricks at once; exactly one wins, everywhere.
func TestConcurrentCreates(t *testing.T) {
	requireRoot(t)
	nodes := newPool(t, 3)
	for round := range 3 {
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := &mgmtpb.VolumeCreateRequest{Name: "www", Replica: 3}
				for _, n := range nodes {
					req.Bricks = append(req.Bricks, n.brick("www-from-"+string(rune('a'+i))))
				}
				_, errs[i] = nodes[i].pool().VolumeCreate(ctxT(t), req)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if status.Code(err) != codes.InvalidArgument {
				t.Errorf("round %d: loser: %v", round, err)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d creates succeeded (%v)", round, ok, errs)
		}
		waitConverged(t, nodes...)
		if n := len(nodes[2].d.State().Volumes); n != 1 {
			t.Fatalf("round %d: %d volumes", round, n)
		}
		if _, err := nodes[0].pool().VolumeDelete(ctxT(t), &mgmtpb.VolumeRequest{Name: "www"}); err != nil {
			t.Fatal(err)
		}
		for _, n := range nodes {
			for _, d := range []string{"www-from-a", "www-from-b"} {
				removeAll(t, n.dir+"/"+d)
			}
		}
	}
}

// TestNoQuorum: with two of three peers down, changes are refused with a
// clear message and nothing changes, while the started volume keeps its
// brick and volfile on the remaining peer.
func TestNoQuorum(t *testing.T) {
	requireRoot(t)
	nodes := newPool(t, 3)
	create(t, nodes, "www")
	if _, err := nodes[0].pool().VolumeStart(ctxT(t), &mgmtpb.VolumeRequest{Name: "www"}); err != nil {
		t.Fatal(err)
	}
	waitConverged(t, nodes...)
	nodes[1].stop()
	nodes[2].stop()
	before := stateJSON(nodes[0])
	_, err := nodes[0].pool().VolumeSet(ctxT(t), &mgmtpb.VolumeSetRequest{Name: "www", Options: map[string]string{"cluster.quorum-type": "none"}})
	wantStatus(t, "set without quorum", err, codes.Unavailable, "no quorum of the pool: ")
	_, err = nodes[0].pool().VolumeCreate(ctxT(t), &mgmtpb.VolumeCreateRequest{Name: "v", Force: true, Bricks: []string{nodes[0].brick("v")}})
	wantStatus(t, "create without quorum", err, codes.Unavailable, "no quorum of the pool: ")
	if got := stateJSON(nodes[0]); got != before {
		t.Errorf("state changed without quorum")
	}
	if _, err := nodes[0].mgmt().GetVolfile(ctxT(t), &mgmtpb.VolfileRequest{Volume: "www"}); err != nil {
		t.Errorf("volfile without quorum: %v", err)
	}
	if b := nodes[0].d.bricks.Bricks(); len(b) != 1 {
		t.Errorf("bricks without quorum: %v", b)
	}
	nodes[1].start()
	if _, err := nodes[0].pool().VolumeSet(ctxT(t), &mgmtpb.VolumeSetRequest{Name: "www", Options: map[string]string{"cluster.quorum-type": "none"}}); err != nil {
		t.Errorf("set with quorum back: %v", err)
	}
}

// TestRestart: every daemon stops and starts again on its state: the pool,
// the volumes with their options and the started bricks come back.
func TestRestart(t *testing.T) {
	requireRoot(t)
	nodes := newPool(t, 3)
	create(t, nodes, "www")
	create(t, nodes, "cold")
	p := nodes[0].pool()
	if _, err := p.VolumeStart(ctxT(t), &mgmtpb.VolumeRequest{Name: "www"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.VolumeSet(ctxT(t), &mgmtpb.VolumeSetRequest{Name: "www", Options: map[string]string{"auth.allow": "127.*.*.*"}}); err != nil {
		t.Fatal(err)
	}
	waitConverged(t, nodes...)
	before := stateJSON(nodes[0])
	uuids := []string{}
	for i, n := range nodes {
		uuids = append(uuids, n.d.UUID())
		if i < 2 {
			// Two come back from a snapshot (and the log after it), one
			// from the log alone.
			if err := n.d.raft().Snapshot().Error(); err != nil {
				t.Fatal(err)
			}
		}
		n.stop()
	}
	for _, n := range nodes {
		n.start()
	}
	waitConverged(t, nodes...)
	for i, n := range nodes {
		if got := stateJSON(n); got != before {
			t.Errorf("%s: state after restart:\n%s\nwant\n%s", n.host(), got, before)
		}
		if n.d.UUID() != uuids[i] {
			t.Errorf("%s: new uuid", n.host())
		}
	}
	waitFor(t, "bricks back", func() bool {
		for _, n := range nodes {
			if len(n.d.bricks.Bricks()) != 1 {
				return false
			}
		}
		return true
	})
	if _, err := nodes[1].mgmt().GetVolfile(ctxT(t), &mgmtpb.VolfileRequest{Volume: "www"}); err != nil {
		t.Errorf("volfile after restart: %v", err)
	}
	waitAllConnected(t, nodes...)
	if _, err := nodes[2].pool().VolumeSet(ctxT(t), &mgmtpb.VolumeSetRequest{Name: "cold", Options: map[string]string{"performance.entry-timeout": "5"}}); err != nil {
		t.Errorf("change after restart: %v", err)
	}
}
