// Package peer is the node daemon (`mortar daemon`): the trusted pool,
// its replicated state, the management service and the bricks of started
// volumes.
//
// The contract:
//   - One Daemon per server. New loads its state directory (peer.json: the
//     peer uuid, the pool id and the pool key; raft/: the pool's log and
//     snapshots), listens on Host:Port (gRPC: mgmt.proto's Mgmt, Pool and
//     Peer services and brick.proto's Brick for every local brick; raft
//     shares the port, a raft connection starts with one magic byte), on
//     Host:GossipPort (memberlist, encrypted with the pool key) and on the
//     unix socket (Mgmt and Pool for the local CLI). Close stops
//     everything; a new Daemon on the same state directory brings the pool,
//     the volumes and the bricks of started volumes back.
//   - A daemon alone is a pool of its own, born with it (a new pool id and
//     key). `peer probe` of a daemon that is alone (no other peer, no
//     volume) makes it forget its pool and join the prober's: it takes the
//     key, gossips with the members, and the raft leader adds it as a voter
//     (up to 5 voters, non-voters beyond) — it catches up from the log. A
//     daemon that belongs to another pool refuses. `peer detach` removes a
//     peer (refused while it holds bricks, unless forced) and makes it a
//     pool of its own again.
//   - The pool state (State: peers, volumes with their bricks, status and
//     options) is the FSM of a hashicorp/raft log. Every change is a
//     Command, proposed to the leader (a follower forwards it over the Peer
//     service), committed by a majority of the voters and applied by every
//     peer in the same order; a Command is validated again when applied, so
//     of two conflicting changes the second fails on every peer alike (two
//     `volume create www` end with one volume). The proposer answers once
//     its own state has applied the change. Without a leader, changes fail
//     with Unavailable "no quorum of the pool: ..." while bricks and
//     volfiles keep being served from the last applied state.
//   - Checks that concern a peer's own directories (root filesystem,
//     existing brick, creatable) run on that peer (Peer.CheckBricks) before
//     the change is proposed; pool-wide rules (volume.CreateRequest) run
//     before proposing and again when applying.
//   - Each daemon serves the bricks of started volumes placed on it (brick
//     name VOLUME-INDEX, unique on the daemon) on its one gRPC server,
//     following every applied change (brickd.Server.AddBrick/RemoveBrick).
//   - Per-volume hooks: Config.Runner (a VolumeRunner) is started for every
//     started volume with a brick on this peer, updated when its volfile
//     changes and stopped when the volume stops, is deleted or the daemon
//     closes. cli/daemon.go plugs the self-heal daemon (peer/shd) in here.
//   - Clients get volfiles with Mgmt.GetVolfile and WatchVolfile from any
//     peer: NotFound for an unknown volume, FailedPrecondition for a
//     stopped one, PermissionDenied for a client refused by auth.allow /
//     auth.reject (clients of the unix socket are local and trusted). A
//     volfile's version is the raft index of the volume's last change.
//   - Errors cross the gRPC boundary in one place (toStatus): refusals are
//     InvalidArgument with gluster-like messages, unknown names NotFound,
//     no quorum Unavailable.
//
// Every goroutine belongs to the Daemon (wg) and ends with Close.
// Not done yet: peer-to-peer mutual TLS with a pool CA (DESIGN.md,
// Security); peer traffic is plain gRPC.
package peer
