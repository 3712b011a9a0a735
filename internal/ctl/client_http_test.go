package ctl

import (
	"net"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// startHTTP serves a plain web page on 127.0.0.1, as cctvd's --http does.
func startHTTP(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>cctvd</html>"))
	})}
	serving(t, func() { srv.Serve(lis) }, func() { srv.Close() })
	return lis.Addr().String()
}

// --addr pointed at a web server is said plainly, not as "frame too large"
// with a hint about TLS; a gRPC server that is unavailable keeps its message.
func TestAddrIsHTTPPort(t *testing.T) {
	files := writeTLSFiles(t)
	web := startHTTP(t)
	grpcDown := startTCPDaemon(t, &fakeDaemon{err: status.Error(codes.Unavailable, "cctvd is shutting down")}, nil, &authRecorder{})
	httpMsg := "cctvctl: status: " + web + " answers in HTTP/1, not gRPC: that is a web server, such as cctvd's HTTP port (--http); " +
		"give --addr cctvd's control address (its --grpc, by default the unix socket)\n"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"plain", []string{"status", "--addr", web}, httpMsg},
		{"tcp scheme", []string{"status", "--addr", "tcp://" + web}, httpMsg},
		{"with --tls-ca", []string{"status", "--addr", web, "--tls-ca", files.cert}, httpMsg},
		{"a gRPC server shutting down", []string{"status", "--addr", grpcDown},
			"cctvctl: status: cctvd is not available: cctvd is shutting down\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, only(cli("")), tt.args...)
			if res.code != exitError || res.stderr != tt.want {
				t.Errorf("exit %d, stderr %q; want exit 2, %q", res.code, res.stderr, tt.want)
			}
			if strings.Contains(res.stderr, "frame too large") {
				t.Error("the transport's words leak through")
			}
		})
	}
}
