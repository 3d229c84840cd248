package peer

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/hashicorp/memberlist"
)

// The pool's membership and failure detection: memberlist, its traffic
// encrypted with the pool key. Node names are peer uuids; a node's meta is
// its gRPC address.

// startGossip starts memberlist on Host:GossipPort with the pool key.
func (d *Daemon) startGossip() (*memberlist.Memberlist, error) {
	mc := memberlist.DefaultLANConfig()
	mc.Name = d.id.UUID
	mc.BindAddr = d.cfg.Host
	mc.BindPort = d.cfg.GossipPort
	mc.AdvertisePort = d.cfg.GossipPort
	if ip := net.ParseIP(d.cfg.Host); ip != nil {
		mc.AdvertiseAddr = d.cfg.Host
	}
	if p := d.cfg.Timing.GossipProbe; p > 0 {
		mc.ProbeInterval = p
		mc.ProbeTimeout = p / 2
		mc.GossipInterval = p / 5
		mc.PushPullInterval = 10 * p
		mc.SuspicionMult = 2
	}
	kr, err := memberlist.NewKeyring(nil, d.id.Key)
	if err != nil {
		return nil, fmt.Errorf("gossip keyring: %w", err)
	}
	mc.Keyring = kr
	d.keyring = kr
	mc.GossipVerifyIncoming, mc.GossipVerifyOutgoing = true, true
	mc.Delegate = metaDelegate(d.addr)
	mc.LogOutput = slogWriter{d.log.With("part", "gossip")}
	ml, err := memberlist.Create(mc)
	if err != nil {
		return nil, fmt.Errorf("gossip on %s: %w", net.JoinHostPort(d.cfg.Host, strconv.Itoa(d.cfg.GossipPort)), err)
	}
	return ml, nil
}

// useKey switches the gossip to a new pool key (joining or leaving a pool).
func useKey(kr *memberlist.Keyring, key []byte) error {
	old := kr.GetPrimaryKey()
	if err := kr.AddKey(key); err != nil {
		return fmt.Errorf("gossip key: %w", err)
	}
	if err := kr.UseKey(key); err != nil {
		return fmt.Errorf("gossip key: %w", err)
	}
	if old != nil {
		_ = kr.RemoveKey(old)
	}
	return nil
}

// gossipStates maps peer uuids to "Connected" for the members memberlist
// holds alive.
func gossipStates(ml *memberlist.Memberlist) map[string]bool {
	up := map[string]bool{}
	for _, m := range ml.Members() {
		if m.State == memberlist.StateAlive {
			up[m.Name] = true
		}
	}
	return up
}

// metaDelegate gives memberlist the node's gRPC address as its meta.
type metaDelegate string

func (m metaDelegate) NodeMeta(limit int) []byte {
	if len(m) > limit {
		return nil
	}
	return []byte(m)
}
func (metaDelegate) NotifyMsg([]byte)                           {}
func (metaDelegate) GetBroadcasts(overhead, limit int) [][]byte { return nil }
func (metaDelegate) LocalState(join bool) []byte                { return nil }
func (metaDelegate) MergeRemoteState(buf []byte, join bool)     {}

// keepGossip joins the pool's peers that gossip does not hold alive: after
// a restart (the others marked this peer dead and no longer talk to it)
// and after a partition. It runs until the daemon closes.
func (d *Daemon) keepGossip() {
	defer d.wg.Done()
	t := time.NewTicker(5 * d.cfg.Timing.GossipProbe)
	defer t.Stop()
	for {
		d.mu.Lock()
		ml := d.ml
		d.mu.Unlock()
		alive := gossipStates(ml)
		var join []string
		self := d.UUID()
		for _, p := range d.State().Peers {
			if p.UUID != self && !alive[p.UUID] && p.Gossip != "" {
				join = append(join, p.Gossip)
			}
		}
		if len(join) > 0 {
			if n, err := ml.Join(join); err != nil && n == 0 {
				d.log.Debug("gossip join", "peers", join, "err", err)
			}
		}
		select {
		case <-d.ctx.Done():
			return
		case <-t.C:
		}
	}
}
