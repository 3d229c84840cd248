package peer

import (
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/mortarfs/mortar/proto/mgmtpb"
)

// TestProbe: three daemons form a pool; every peer sees the three, as
// voters, connected; probing again or probing oneself changes nothing.
func TestProbe(t *testing.T) {
	nodes := newPool(t, 3)
	for _, n := range nodes {
		r, err := n.pool().Peers(ctxT(t), &mgmtpb.PeersRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.GetPeers()) != 3 {
			t.Fatalf("%s sees %d peers", n.host(), len(r.GetPeers()))
		}
	}
	waitAllConnected(t, nodes...)
	before := stateJSON(nodes[0])
	r, err := nodes[1].pool().Probe(ctxT(t), &mgmtpb.ProbeRequest{Host: nodes[2].d.Addr()})
	if err != nil || r.GetMessage() != "host "+nodes[2].d.Addr()+" is already in the pool" {
		t.Errorf("probe again: %v %v", r, err)
	}
	r, err = nodes[1].pool().Probe(ctxT(t), &mgmtpb.ProbeRequest{Host: nodes[1].d.Addr()})
	if err != nil || r.GetMessage() == "" {
		t.Errorf("probe self: %v %v", r, err)
	}
	if got := stateJSON(nodes[0]); got != before {
		t.Errorf("state changed by probes of members:\n%s\n%s", before, got)
	}
	_, err = nodes[0].pool().Probe(ctxT(t), &mgmtpb.ProbeRequest{Host: "127.0.0.254:1"})
	wantStatus(t, "probe of nothing", err, codes.Unavailable, "not reachable")
}

// TestProbeForeignPool: a daemon that belongs to another pool refuses.
func TestProbeForeignPool(t *testing.T) {
	a := newPool(t, 2)
	b := newPool(t, 2)
	before := stateJSON(b[0])
	_, err := a[0].pool().Probe(ctxT(t), &mgmtpb.ProbeRequest{Host: b[1].d.Addr()})
	wantStatus(t, "probe of a member of another pool", err, codes.InvalidArgument, "already part of another pool")
	if got := stateJSON(b[1]); got != before {
		t.Errorf("the other pool changed")
	}
	if len(a[0].d.State().Peers) != 2 {
		t.Errorf("the prober's pool changed")
	}
}

// TestDetach: refusals, then a detach that makes the peer a pool of its
// own again, which can be probed back.
func TestDetach(t *testing.T) {
	requireRoot(t)
	nodes := newPool(t, 3)
	p := nodes[0].pool()
	_, err := p.VolumeCreate(ctxT(t), &mgmtpb.VolumeCreateRequest{Name: "v", Bricks: []string{nodes[1].brick("b")}})
	if err != nil {
		t.Fatal(err)
	}
	waitConverged(t, nodes...)
	before := stateJSON(nodes[0])
	_, err = p.Detach(ctxT(t), &mgmtpb.DetachRequest{Host: nodes[1].host()})
	wantStatus(t, "detach of a peer with bricks", err, codes.InvalidArgument, "holds bricks of volume v")
	_, err = p.Detach(ctxT(t), &mgmtpb.DetachRequest{Host: nodes[0].host()})
	wantStatus(t, "detach of oneself", err, codes.InvalidArgument, "is this peer")
	_, err = p.Detach(ctxT(t), &mgmtpb.DetachRequest{Host: "127.0.0.254"})
	wantStatus(t, "detach of a stranger", err, codes.NotFound, "not part of the pool")
	for _, n := range nodes {
		if got := stateJSON(n); got != before {
			t.Errorf("%s: state changed by refused detaches", n.host())
		}
	}
	if _, err := p.Detach(ctxT(t), &mgmtpb.DetachRequest{Host: nodes[2].host()}); err != nil {
		t.Fatal(err)
	}
	waitConverged(t, nodes[0], nodes[1])
	waitFor(t, "the detached peer alone", func() bool { return nodes[2].d.alone() && len(nodes[2].d.State().Peers) == 1 })
	if nodes[2].d.identity().PoolID == nodes[0].d.identity().PoolID {
		t.Error("detached peer kept the pool id")
	}
	if _, err := p.Probe(ctxT(t), &mgmtpb.ProbeRequest{Host: nodes[2].d.Addr()}); err != nil {
		t.Fatalf("probe back: %v", err)
	}
	waitConverged(t, nodes...)
}

// TestNonVoters: beyond five voters, peers join as non-voters; detaching a
// voter (the leader) promotes one.
func TestNonVoters(t *testing.T) {
	nodes := newPool(t, 6)
	roles := func() map[string]int {
		r, err := nodes[0].pool().Peers(ctxT(t), &mgmtpb.PeersRequest{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, p := range r.GetPeers() {
			out[p.GetRole()]++
		}
		return out
	}
	if r := roles(); r["voter"] != 5 || r["nonvoter"] != 1 {
		t.Fatalf("roles %v, want 5 voters and 1 non-voter", r)
	}
	// Detach the leader, through another peer.
	pr, err := nodes[0].pool().Peers(ctxT(t), &mgmtpb.PeersRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var leader, other *node
	for _, n := range nodes {
		if n.d.UUID() == pr.GetLeader() {
			leader = n
		} else if other == nil {
			other = n
		}
	}
	if leader == nil {
		t.Fatal("no leader")
	}
	if _, err := other.pool().Detach(ctxT(t), &mgmtpb.DetachRequest{Host: leader.d.Addr()}); err != nil {
		t.Fatal(err)
	}
	var rest []*node
	for _, n := range nodes {
		if n != leader {
			rest = append(rest, n)
		}
	}
	nodes[0] = other
	waitFor(t, "a non-voter promoted", func() bool {
		r := roles()
		return r["voter"] == 5 && r["nonvoter"] == 0 && r[""] == 0
	})
	waitConverged(t, rest...)
	waitFor(t, "the detached leader alone", func() bool { return leader.d.alone() && len(leader.d.State().Peers) == 1 })
}
