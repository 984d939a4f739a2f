package nexwaytest_test

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/nexwaytest"
)

// stockOK fails the test unless the server's Client gets 733551's stock.
func stockOK(t *testing.T, srv *nexwaytest.Server) {
	t.Helper()
	st, err := srv.Client.Stock.Status(ctx, []nexway.ProductRef{733551})
	if err != nil || st.Products[0].Level != nexway.InStock {
		t.Fatalf("stock = %+v, %v", st, err)
	}
}

func TestWithAddr(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t, nexwaytest.WithAddr("127.0.0.1:0"))
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") || strings.HasSuffix(srv.URL, ":0") {
		t.Errorf("URL = %s", srv.URL)
	}
	stockOK(t, srv)
}

// A wildcard address listens everywhere, and URL is the loopback one.
func TestWithAddrWildcard(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t, nexwaytest.WithAddr(":0"))
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Errorf("URL = %s, want loopback", srv.URL)
	}
	stockOK(t, srv)
}

func TestWithAddrTaken(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv, err := nexwaytest.StartServer(nexwaytest.WithAddr(ln.Addr().String()))
	if err == nil {
		srv.Close()
		t.Fatal("started on a port already taken")
	}
	if !strings.HasPrefix(err.Error(), "nexwaytest: listen tcp ") {
		t.Errorf("error = %v", err)
	}
}

func TestWithAccount(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t, nexwaytest.WithAccount("shop-secret", "shop", "shop-client-secret"))
	stockOK(t, srv)
	for _, r := range srv.Requests() {
		if r.Header.Get("secret") != "shop-secret" && r.Route != nexwaytest.RouteToken {
			t.Errorf("%s sent secret %q", r.Path, r.Header.Get("secret"))
		}
		if r.Route == nexwaytest.RouteToken && !strings.Contains(string(r.Body), `"realmName":"shop"`) {
			t.Errorf("token request %s", r.Body)
		}
	}
	// The package's own credentials are refused now.
	other, err := nexway.NewClient(nexway.WithBaseURL(srv.URL), nexway.WithSecret(nexwaytest.Secret),
		nexway.WithCredentials("shop", "shop-client-secret"), nexway.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Stock.Status(ctx, []nexway.ProductRef{733551}); !errors.Is(err, nexway.ErrInvalidSecret) {
		t.Errorf("the default secret: %v, want ErrInvalidSecret", err)
	}
}

func TestWithAccountNoRealm(t *testing.T) {
	t.Parallel()
	srv := nexwaytest.NewServer(t, nexwaytest.WithAccount("shop-secret", "", "ignored"))
	stockOK(t, srv)
	if n := srv.Counts()[nexwaytest.RouteToken].Requests; n != 0 {
		t.Errorf("%d token requests without a realm", n)
	}
}

func TestWithAccountRefused(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]nexwaytest.Option{
		"empty secret":          nexwaytest.WithAccount("", "shop", "cs"),
		"secret with a space":   nexwaytest.WithAccount("a b", "shop", "cs"),
		"realm without secret":  nexwaytest.WithAccount("s", "shop", ""),
		"control char in realm": nexwaytest.WithAccount("s", "sh\nop", "cs"),
	} {
		if srv, err := nexwaytest.StartServer(opt); err == nil {
			srv.Close()
			t.Errorf("%s: started", name)
		}
	}
}

func TestWithSetup(t *testing.T) {
	t.Parallel()
	var order []string
	srv := nexwaytest.NewServer(t,
		nexwaytest.WithSetup(func(s *nexwaytest.Server) error {
			order = append(order, "first")
			if s.KeysLeft(733551) != 50 {
				t.Error("setup ran before the default catalog")
			}
			return s.LoadCatalogJSON(strings.NewReader(`[{"ref":42,"name":"Answer","currency":"EUR"}]`))
		}),
		nexwaytest.WithSetup(func(s *nexwaytest.Server) error {
			order = append(order, "second")
			return s.AddKeys(42, "K-1", "K-2")
		}))
	if strings.Join(order, ",") != "first,second" {
		t.Errorf("ran %v", order)
	}
	if n := srv.KeysLeft(42); n != 2 {
		t.Errorf("KeysLeft(42) = %d", n)
	}
}

func TestWithSetupFails(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	var started *nexwaytest.Server
	srv, err := nexwaytest.StartServer(nexwaytest.WithAddr("127.0.0.1:0"), nexwaytest.WithSetup(func(s *nexwaytest.Server) error {
		started = s
		return boom
	}))
	if !errors.Is(err, boom) || srv != nil {
		t.Fatalf("StartServer = %v, %v; want the setup's error", srv, err)
	}
	if started == nil {
		t.Fatal("setup never ran")
	}
	// The half-built server was closed: a latency fault answers at once.
	started.InjectFault(nexwaytest.RouteStock, nexwaytest.Fault{Kind: nexwaytest.FaultLatency, Latency: 1 << 40})
	rec := &recorder{header: http.Header{}}
	req, _ := http.NewRequest("POST", "/connect/stock", strings.NewReader(`{"productRefs":[733551]}`))
	started.ServeHTTP(rec, req)
	if rec.status != http.StatusServiceUnavailable {
		t.Errorf("HTTP %d, want 503 from a closed server", rec.status)
	}
}

// recorder is a minimal http.ResponseWriter.
type recorder struct {
	header http.Header
	status int
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return io.Discard.Write(b)
}
