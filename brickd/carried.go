package brickd

import (
	"context"
	"slices"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/mortarfs/mortar/proto/brickpb"
)

// Carried requests (proto/brickpb/carried.go) ride in a call's metadata
// and are carried out before the call: an entry unlock or a release the
// client would otherwise send on its own. They are all checked before any
// runs: a malformed one fails the call that carries it, with
// InvalidArgument, and nothing is done. Their own failures (an unknown
// session, a lock already gone) are logged, as nobody waits for them.

// carryingDesc is the Brick service of r with every unary method carrying
// out the call's carried requests first.
func carryingDesc(r *rpc) *grpc.ServiceDesc {
	desc := brickpb.Brick_ServiceDesc
	desc.Methods = slices.Clone(desc.Methods)
	for i := range desc.Methods {
		h := desc.Methods[i].Handler
		desc.Methods[i].Handler = func(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
			if err := r.runCarried(ctx); err != nil {
				return nil, err
			}
			return h(srv, ctx, dec, ic)
		}
	}
	return &desc
}

// runCarried carries out the requests carried by the call of ctx.
func (r *rpc) runCarried(ctx context.Context) error {
	vals := metadata.ValueFromIncomingContext(ctx, brickpb.CarriedKey) // no copy of the whole metadata
	if len(vals) == 0 {
		return nil
	}
	if len(vals) > brickpb.MaxCarried {
		return status.Errorf(codes.InvalidArgument, "%d carried requests, at most %d", len(vals), brickpb.MaxCarried)
	}
	kinds := make([]brickpb.CarriedKind, len(vals))
	reqs := make([]proto.Message, len(vals))
	for i, v := range vals {
		var err error
		if kinds[i], reqs[i], err = brickpb.DecodeCarried(v); err != nil {
			return status.Errorf(codes.InvalidArgument, "carried request %d: %v", i, err)
		}
	}
	ctx = context.WithoutCancel(ctx)
	for i, k := range kinds {
		rep, err := r.carryOut(ctx, k, reqs[i])
		if err != nil || rep.GetErrno() != 0 {
			r.s.log.Debug("carried request failed", "kind", k, "errno", rep.GetErrno(), "err", err)
		}
	}
	return nil
}

// carryOut carries out one carried request.
func (r *rpc) carryOut(ctx context.Context, k brickpb.CarriedKind, req proto.Message) (*brickpb.Reply, error) {
	switch k {
	case brickpb.CarriedEntryUnlock:
		return r.Entrylk(ctx, req.(*brickpb.EntrylkRequest))
	case brickpb.CarriedRelease:
		return r.Release(ctx, req.(*brickpb.FdRequest))
	default: // brickpb.CarriedReleasedir
		return r.Releasedir(ctx, req.(*brickpb.FdRequest))
	}
}
