package mount

import (
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
