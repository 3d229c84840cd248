// Package brickcodec owns the gRPC codec of mortar's servers and brick
// clients: protobuf, as grpc-go's own codec, except that no message of a
// 1 MiB write costs a fresh allocation.
//
// grpc-go's codec and transport pool buffers of at most 1 MiB, so a
// message carrying 1 MiB of data plus its header is allocated anew every
// time, on the client when it is marshalled and on the server when it is
// received, and protobuf copies the data into one more new slice. At a
// hundred writes a second that garbage makes the Go runtime hand memory
// back to the kernel and fault it in again, which on virtual machines
// costs more than the copies themselves. This codec marshals into, and the
// transports receive into, Pool, whose largest class holds such a message;
// and a WriteRequest's data is not copied out of the received buffer but
// points into it until the handler returned (UnaryInterceptor gives the
// buffer back then).
package brickcodec

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/mortarfs/mortar/proto/brickpb"
)

// Pool is the buffer pool of the codec and the transports: grpc-go's
// classes (256 B to 1 MiB) and one of 2 MiB for a 1 MiB read or write
// with its header; buffers are not cleared (pool.go).
var Pool mem.BufferPool = newClassPool(8, 12, 14, 15, 20, 21)

// ServerOptions make a gRPC server use the codec and Pool, and give
// received write buffers back after each call.
func ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ForceServerCodecV2(Codec{}),
		experimental.BufferPool(Pool),
		grpc.ChainUnaryInterceptor(UnaryInterceptor),
	}
}

// DialOptions make a gRPC client use the codec and Pool.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithDefaultCallOptions(grpc.ForceCodecV2(Codec{})),
		experimental.WithBufferPool(Pool),
	}
}

// Codec is the codec; its name is "proto", so peers see no difference.
type Codec struct{}

var _ encoding.CodecV2 = Codec{}

// Name is the content subtype, the one of grpc-go's protobuf codec.
func (Codec) Name() string { return "proto" }

// Marshal encodes v into a buffer of Pool (small messages into a plain
// slice, as grpc-go does).
func (Codec) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("brickcodec: cannot marshal %T: not a protobuf message", v)
	}
	size := proto.Size(m)
	opts := proto.MarshalOptions{UseCachedSize: true} // the size was just computed
	if mem.IsBelowBufferPoolingThreshold(size) {
		b, err := opts.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("brickcodec: marshal %T: %w", v, err)
		}
		return mem.BufferSlice{mem.SliceBuffer(b)}, nil
	}
	buf := Pool.Get(size)
	b, err := opts.MarshalAppend((*buf)[:0], m)
	if err != nil {
		Pool.Put(buf)
		return nil, fmt.Errorf("brickcodec: marshal %T: %w", v, err)
	}
	*buf = b
	return mem.BufferSlice{mem.NewBuffer(buf, Pool)}, nil
}

// Unmarshal decodes data into v. A WriteRequest keeps its data in the
// received buffer, held until Release.
func (Codec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("brickcodec: cannot unmarshal into %T: not a protobuf message", v)
	}
	buf := data.MaterializeToBuffer(Pool)
	if w, ok := v.(*brickpb.WriteRequest); ok {
		if err := unmarshalWrite(buf.ReadOnlyData(), w); err != nil {
			buf.Free()
			return err
		}
		held.Store(w, buf)
		return nil
	}
	defer buf.Free()
	if err := proto.Unmarshal(buf.ReadOnlyData(), m); err != nil {
		return fmt.Errorf("brickcodec: unmarshal %T: %w", v, err)
	}
	return nil
}

// held maps a received WriteRequest to the buffer its data points into.
var held sync.Map

// Release gives back the buffer a received WriteRequest's data points
// into; the request's data must not be used after. Anything else, or a
// request not received through the codec, is left alone.
func Release(v any) {
	w, ok := v.(*brickpb.WriteRequest)
	if !ok {
		return
	}
	if buf, ok := held.LoadAndDelete(w); ok {
		w.Data = nil
		buf.(mem.Buffer).Free()
	}
}

// UnaryInterceptor releases the request once the call is over, however
// it ended (interceptors that refuse a call included, when it is the
// outermost).
func UnaryInterceptor(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	defer Release(req)
	return handler(ctx, req)
}

// writeDataField is the field number of WriteRequest.data.
const writeDataField = 5

// unmarshalWrite decodes a WriteRequest whose data field stays in b: the
// other fields are decoded by protobuf (from a copy of their few bytes),
// so unknown and malformed input is treated exactly as protobuf does.
func unmarshalWrite(b []byte, w *brickpb.WriteRequest) error {
	var rest []byte
	var data []byte
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("brickcodec: unmarshal WriteRequest: %w", protowire.ParseError(n))
		}
		k := protowire.ConsumeFieldValue(num, typ, b[n:])
		if k < 0 {
			return fmt.Errorf("brickcodec: unmarshal WriteRequest: %w", protowire.ParseError(k))
		}
		if num == writeDataField && typ == protowire.BytesType {
			data, _ = protowire.ConsumeBytes(b[n:]) // the last one wins, as in protobuf
		} else {
			rest = append(rest, b[:n+k]...)
		}
		b = b[n+k:]
	}
	if err := proto.Unmarshal(rest, w); err != nil {
		return fmt.Errorf("brickcodec: unmarshal WriteRequest: %w", err)
	}
	w.Data = data
	return nil
}
