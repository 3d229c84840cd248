package brickd

import (
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/mortarfs/mortar/proto/brickcodec"
)

// maxMsgSize bounds gRPC messages both ways: a 1 MiB read or write with
// room to spare, and a page of directory entries.
const maxMsgSize = 8 << 20

// ServerOptions are the gRPC server options a brick server needs: 8 MiB
// messages, flow-control windows and buffers sized for 1 MiB writes (the
// defaults, a 64 KiB window grown by estimation and 32 KiB buffers, cost a
// window update and several syscalls per write; the client sets the same
// on its side, mount/client/brick.go), keepalive that notices a dead client
// within seconds and lets clients ping every second, and the codec of
// proto/brickcodec (no fresh 1 MiB buffers per write).
func ServerOptions() []grpc.ServerOption {
	return append(brickcodec.ServerOptions(),
		grpc.MaxRecvMsgSize(maxMsgSize),
		grpc.MaxSendMsgSize(maxMsgSize),
		grpc.InitialWindowSize(16<<20),
		grpc.InitialConnWindowSize(32<<20),
		grpc.WriteBufferSize(1<<20),
		grpc.ReadBufferSize(1<<20),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			MinTime:             time.Second,
			PermitWithoutStream: true,
		}),
		grpc.KeepaliveParams(keepalive.ServerParameters{
			Time:    2 * time.Second,
			Timeout: 2 * time.Second,
		}),
	)
}
