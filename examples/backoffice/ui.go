package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/riverqueue/river"
	"riverqueue.com/riverui"
)

// uiPrefix is where River's web UI is mounted.
const uiPrefix = "/riverui"

// serveUI mounts River's own web UI (riverqueue.com/riverui) on ln, where
// an operator sees the back office's jobs: the ones waiting on a pending
// order or late keys, the retried and the discarded. The UI reads River's
// tables through the client; it can also cancel and retry jobs, so give
// it an address only operators reach. stop shuts it down.
func serveUI(ctx context.Context, client *river.Client[*sql.Tx], ln net.Listener, logger *slog.Logger) (stop func(), _ error) {
	h, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(client, nil),
		Logger:    logger,
		Prefix:    uiPrefix,
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	if err := h.Start(ctx); err != nil {
		cancel()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(uiPrefix+"/", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			logger.Error("river ui", "error", err)
		}
	}()
	return func() {
		shutdown, cancelShutdown := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancelShutdown()
		srv.Shutdown(shutdown)
		cancel()
		<-done
	}, nil
}

// waitForOperator keeps the UI up until ctx ends (Ctrl-C).
func waitForOperator(ctx context.Context, ln net.Listener, out io.Writer) {
	fmt.Fprintf(out, "River UI: http://%s%s/ (Ctrl-C to stop)\n", ln.Addr(), uiPrefix)
	<-ctx.Done()
}
