package peer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/mortarfs/mortar/proto/mgmtpb"
	"github.com/mortarfs/mortar/volume"
)

// create makes volume name replica 3 over the three nodes' brick b.
func create(t *testing.T, nodes []*node, name string) {
	t.Helper()
	req := &mgmtpb.VolumeCreateRequest{Name: name, Replica: 3}
	for _, n := range nodes[:3] {
		req.Bricks = append(req.Bricks, n.brick(name))
	}
	if _, err := nodes[0].pool().VolumeCreate(ctxT(t), req); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
}

func decodeVolfile(t *testing.T, r *mgmtpb.VolfileReply) *volume.Volfile {
	t.Helper()
	var vf volume.Volfile
	if err := json.Unmarshal(r.GetVolfile(), &vf); err != nil {
		t.Fatal(err)
	}
	return &vf
}

// TestVolumeLifecycle: create, start (bricks served by their daemons,
// volfile from any peer, watch), set (the watch sees the options), auth,
// stop (the watch ends), delete.
func TestVolumeLifecycle(t *testing.T) {
	requireRoot(t)
	nodes := newPool(t, 3)
	create(t, nodes, "www")
	if _, err := nodes[2].mgmt().GetVolfile(ctxT(t), &mgmtpb.VolfileRequest{Volume: "www"}); err == nil {
		t.Error("volfile of a volume not started")
	} else {
		wantStatus(t, "volfile of a created volume", err, codes.FailedPrecondition, "not started")
	}
	_, err := nodes[1].mgmt().GetVolfile(ctxT(t), &mgmtpb.VolfileRequest{Volume: "nope"})
	wantStatus(t, "volfile of nothing", err, codes.NotFound, "volume nope does not exist")

	if _, err := nodes[1].pool().VolumeStart(ctxT(t), &mgmtpb.VolumeRequest{Name: "www"}); err != nil {
		t.Fatal(err)
	}
	for i, n := range nodes {
		if got := n.d.bricks.Bricks(); len(got) != 1 || got[0] != "www-"+string(rune('0'+i)) {
			t.Errorf("%s serves %v", n.host(), got)
		}
	}
	st, err := nodes[2].pool().VolumeStatus(ctxT(t), &mgmtpb.VolumeInfoRequest{Name: "www"})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range st.GetVolumes()[0].GetBricks() {
		if !b.GetOnline() || b.GetPid() != int32(os.Getpid()) || b.GetDiskTotal() == 0 {
			t.Errorf("brick status %v", b)
		}
	}
	stream, err := nodes[2].mgmt().WatchVolfile(ctxT(t), &mgmtpb.VolfileRequest{Volume: "www"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	vf := decodeVolfile(t, first)
	if vf.Name != "www" || vf.Replica != 3 || len(vf.Sets) != 1 || vf.Sets[0].Bricks[1] != (volume.BrickRef{Addr: nodes[1].d.Addr(), Name: "www-1"}) {
		t.Errorf("volfile %+v", vf)
	}
	if err := vf.Validate(); err != nil {
		t.Error(err)
	}
	_, err = nodes[0].pool().VolumeSet(ctxT(t), &mgmtpb.VolumeSetRequest{Name: "www", Options: map[string]string{
		"performance.attribute-timeout": "60", "cluster.favorite-child-policy": "mtime"}})
	if err != nil {
		t.Fatal(err)
	}
	next, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	if vf := decodeVolfile(t, next); next.GetVersion() <= first.GetVersion() || vf.Options["attribute-timeout"] != "60" || vf.Options["favorite-child-policy"] != "mtime" {
		t.Errorf("volfile after set: version %d (was %d), options %v", next.GetVersion(), first.GetVersion(), vf.Options)
	}
	_, err = nodes[0].pool().VolumeSet(ctxT(t), &mgmtpb.VolumeSetRequest{Name: "www", Options: map[string]string{"cluster.quorum-type": "sometimes"}})
	wantStatus(t, "set of a bad value", err, codes.InvalidArgument, "cluster.quorum-type")

	// auth: the test clients come from loopback addresses.
	if _, err := nodes[0].pool().VolumeSet(ctxT(t), &mgmtpb.VolumeSetRequest{Name: "www", Options: map[string]string{"auth.reject": "127.0.0.0/8"}}); err != nil {
		t.Fatal(err)
	}
	_, err = nodes[1].mgmt().GetVolfile(ctxT(t), &mgmtpb.VolfileRequest{Volume: "www"})
	wantStatus(t, "volfile for a rejected client", err, codes.PermissionDenied, "not allowed")
	if _, err := stream.Recv(); err == nil {
		t.Error("watch of a rejected client goes on")
	}
	if _, err := nodes[0].pool().VolumeReset(ctxT(t), &mgmtpb.VolumeResetRequest{Name: "www", Options: []string{"auth.reject"}}); err != nil {
		t.Fatal(err)
	}
	g, err := nodes[1].pool().VolumeGet(ctxT(t), &mgmtpb.VolumeGetRequest{Name: "www", Option: "performance.attribute-timeout"})
	if err != nil || len(g.GetOptions()) != 1 || g.GetOptions()[0].GetValue() != "60" {
		t.Errorf("volume get: %v %v", g, err)
	}

	stream, err = nodes[1].mgmt().WatchVolfile(ctxT(t), &mgmtpb.VolfileRequest{Volume: "www"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	_, err = nodes[0].pool().VolumeDelete(ctxT(t), &mgmtpb.VolumeRequest{Name: "www"})
	wantStatus(t, "delete of a started volume", err, codes.InvalidArgument, "stop it before deleting it")
	if _, err := nodes[0].pool().VolumeStop(ctxT(t), &mgmtpb.VolumeRequest{Name: "www"}); err != nil {
		t.Fatal(err)
	}
	_, err = stream.Recv()
	wantStatus(t, "watch of a stopped volume", err, codes.FailedPrecondition, "not started")
	waitFor(t, "bricks no longer served", func() bool {
		for _, n := range nodes {
			if len(n.d.bricks.Bricks()) != 0 {
				return false
			}
		}
		return true
	})
	if _, err := nodes[2].pool().VolumeDelete(ctxT(t), &mgmtpb.VolumeRequest{Name: "www"}); err != nil {
		t.Fatal(err)
	}
	waitConverged(t, nodes...)
	for _, n := range nodes {
		if len(n.d.State().Volumes) != 0 {
			t.Errorf("%s still has volumes", n.host())
		}
	}
}

// TestCreateRefusals: every refusal of volume create has its message, and
// changes nothing on any peer (no volume, no brick directory).
func TestCreateRefusals(t *testing.T) {
	requireRoot(t)
	nodes := newPool(t, 3)
	create(t, nodes, "old")
	shm, err := os.MkdirTemp("/dev/shm", "mortar-peer-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(shm) })
	waitConverged(t, nodes...)
	before := stateJSON(nodes[0])
	h := func(i int) string { return nodes[i].host() }
	b := func(i int, name string) string { return nodes[i].brick(name) }
	for _, tc := range []struct {
		name string
		req  *mgmtpb.VolumeCreateRequest
		want string
	}{
		{"root filesystem", &mgmtpb.VolumeCreateRequest{Name: "v", Bricks: []string{h(1) + ":" + filepath.Join(shm, "b")}},
			"is on the root filesystem"},
		{"inside a brick", &mgmtpb.VolumeCreateRequest{Name: "v", Bricks: []string{b(0, "old") + "/sub"}},
			"is inside brick " + b(0, "old") + " of volume old"},
		{"already used", &mgmtpb.VolumeCreateRequest{Name: "v", Bricks: []string{b(1, "old")}},
			"already part of volume old"},
		{"not a multiple", &mgmtpb.VolumeCreateRequest{Name: "v", Replica: 3, Bricks: []string{b(0, "v"), b(1, "v")}},
			"number of bricks (2) is not a multiple of replica count (3)"},
		{"one set on one peer", &mgmtpb.VolumeCreateRequest{Name: "v", Replica: 3, Bricks: []string{b(0, "v"), b(0, "w"), b(1, "v")}},
			"are on the same peer"},
		{"unknown host", &mgmtpb.VolumeCreateRequest{Name: "v", Bricks: []string{"127.0.0.254:/srv/v"}},
			"host 127.0.0.254 is not in the pool"},
		{"name taken", &mgmtpb.VolumeCreateRequest{Name: "old", Bricks: []string{b(2, "x")}},
			"volume old already exists"},
		{"replica 2", &mgmtpb.VolumeCreateRequest{Name: "v", Replica: 2, Bricks: []string{b(0, "v"), b(1, "v")}},
			"split-brain"},
		{"bad brick", &mgmtpb.VolumeCreateRequest{Name: "v", Bricks: []string{"nocolon"}},
			"want HOST:/PATH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := nodes[1].pool().VolumeCreate(ctxT(t), tc.req)
			wantStatus(t, tc.name, err, codes.InvalidArgument, tc.want)
		})
	}
	_, err = nodes[0].pool().VolumeDelete(ctxT(t), &mgmtpb.VolumeRequest{Name: "nope"})
	wantStatus(t, "delete of nothing", err, codes.NotFound, "volume nope does not exist")
	for _, n := range nodes {
		if got := stateJSON(n); got != before {
			t.Errorf("%s: state changed by refused commands:\n%s\n%s", n.host(), before, got)
		}
		for _, dir := range []string{"v", "w", "x"} {
			if _, err := os.Stat(filepath.Join(n.dir, dir)); err == nil {
				t.Errorf("%s: refused create made brick directory %s", n.host(), dir)
			}
		}
	}
	if entries, _ := os.ReadDir(shm); len(entries) != 0 {
		t.Errorf("refused create made %v on the root filesystem", entries)
	}
	// The same on the root filesystem with force is accepted.
	_, err = nodes[1].pool().VolumeCreate(ctxT(t), &mgmtpb.VolumeCreateRequest{Name: "v", Force: true,
		Bricks: []string{h(1) + ":" + filepath.Join(shm, "b")}})
	if err != nil && !strings.Contains(err.Error(), "xattr") {
		t.Errorf("forced create on the root filesystem: %v", err)
	}
}
