module github.com/mortarfs/mortar

go 1.26.0

require (
	github.com/cespare/xxhash/v2 v2.3.0
	google.golang.org/grpc v1.85.0
	google.golang.org/protobuf v1.36.12
)

require (
	github.com/hanwen/go-fuse/v2 v2.12.1 // indirect
	github.com/pkg/xattr v0.4.12 // indirect
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.42.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260817212433-ac3dfec99bb1 // indirect
)
