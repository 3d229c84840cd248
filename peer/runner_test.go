package peer

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/mortarfs/mortar/proto/mgmtpb"
	"github.com/mortarfs/mortar/volume"
)

// fakeRunner records the calls of the daemon.
type fakeRunner struct {
	mu     sync.Mutex
	events []string
}

func (f *fakeRunner) record(e string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, e)
}

func (f *fakeRunner) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.events)
}

func (f *fakeRunner) Start(_ context.Context, vf *volume.Volfile, local func(volume.BrickRef) bool) VolumeRun {
	n := 0
	for _, s := range vf.Sets {
		for _, b := range s.Bricks {
			if local(b) {
				n++
			}
		}
	}
	f.record(fmt.Sprintf("start %s local=%d", vf.Name, n))
	return &fakeRun{f: f, name: vf.Name}
}

type fakeRun struct {
	f    *fakeRunner
	name string
}

func (r *fakeRun) Update(vf *volume.Volfile) {
	r.f.record(fmt.Sprintf("update %s attribute-timeout=%s", vf.Name, vf.Options["attribute-timeout"]))
}

func (r *fakeRun) Stop() { r.f.record("stop " + r.name) }

// TestVolumeRunner: the runner is started with a started volume that has
// a brick here, updated when its volfile changes, stopped with it and
// with the daemon.
func TestVolumeRunner(t *testing.T) {
	requireRoot(t)
	nodes := newNodes(t, 1)
	n := nodes[0]
	fr := &fakeRunner{}
	n.stop()
	n.cfg.Runner = fr
	n.start()
	p := n.pool()
	_, err := p.VolumeCreate(ctxT(t), &mgmtpb.VolumeCreateRequest{Name: "www", Bricks: []string{n.brick("a"), n.brick("b")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.VolumeStart(ctxT(t), &mgmtpb.VolumeRequest{Name: "www"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "runner started", func() bool { return len(fr.seen()) == 1 })
	if _, err := p.VolumeSet(ctxT(t), &mgmtpb.VolumeSetRequest{Name: "www", Options: map[string]string{"performance.attribute-timeout": "7"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "runner updated", func() bool { return len(fr.seen()) == 2 })
	if _, err := p.VolumeStop(ctxT(t), &mgmtpb.VolumeRequest{Name: "www"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "runner stopped", func() bool { return len(fr.seen()) == 3 })
	if _, err := p.VolumeStart(ctxT(t), &mgmtpb.VolumeRequest{Name: "www"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "runner started again", func() bool { return len(fr.seen()) == 4 })
	n.stop()
	want := []string{"start www local=2", "update www attribute-timeout=7", "stop www", "start www local=2", "stop www"}
	if got := fr.seen(); !slices.Equal(got, want) {
		t.Errorf("runner calls %q, want %q", got, want)
	}
}
