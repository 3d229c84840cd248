package brickd

import "log/slog"

// BrickConfig names one brick directory of the server.
type BrickConfig struct {
	Name string // the name clients ask for in SessionRequest.brick, e.g. "b1"
	Path string // the brick directory, e.g. "/srv/b1"
}

// Config configures a Server.
type Config struct {
	Bricks []BrickConfig
	// VolumeID is optional; when set, every brick's brick.json must name
	// this volume (a new brick.json is created with it).
	VolumeID string
	// AllowEmpty lets New make a server without bricks, which gets them
	// later from AddBrick (the node daemon).
	AllowEmpty bool
	// Logger receives the server's logs; nil means slog.Default().
	Logger *slog.Logger
}
