package control

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	"github.com/cctvd/cctvd/internal/archive"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func TestHealth(t *testing.T) {
	h := serve(t, Config{})
	hc := healthpb.NewHealthClient(h.conn)
	for _, svc := range []string{"", "cctv.v1.CctvService"} {
		resp, err := hc.Check(t.Context(), &healthpb.HealthCheckRequest{Service: svc})
		if err != nil || resp.Status != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("check %q: %v, %v", svc, resp, err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	watch, err := hc.Watch(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := watch.Recv(); err != nil || m.Status != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("watch: %v, %v", m, err)
	}
	h.stop()
	if m, err := watch.Recv(); err != nil || m.Status != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("at shutdown: %v, %v", m, err)
	}
	cancel() // the graceful stop waits for open streams
	h.shutdown(t, DefaultShutdownTimeout)
}

func TestReflection(t *testing.T) {
	h := serve(t, Config{})
	stream, err := reflectionpb.NewServerReflectionClient(h.conn).ServerReflectionInfo(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	err = stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	stream.CloseSend()
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.Name)
	}
	for _, want := range []string{"cctv.v1.CctvService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"} {
		if !slices.Contains(names, want) {
			t.Errorf("services %v lack %s", names, want)
		}
	}
}

// grpcurlVersion is the grpcurl the test runs. "go run" builds it, and
// keeps the executable in the Go build cache, so only the first run of
// the test builds it; "-exec cp" copies it out instead of running it.
const grpcurlVersion = "v1.9.4"

func buildGrpcurl(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "grpcurl")
	cmd := exec.CommandContext(t.Context(), "go", "run", "-exec", "cp", "github.com/fullstorydev/grpcurl/cmd/grpcurl@"+grpcurlVersion, bin)
	cmd.Dir = t.TempDir() // outside this module: its go.mod has no say
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build grpcurl %s: %v\n%s", grpcurlVersion, err, out)
	}
	return bin
}

func grpcurl(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("grpcurl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestGrpcurl(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds grpcurl on the first run")
	}
	bin := buildGrpcurl(t)
	h := serve(t, Config{})
	list := grpcurl(t, bin, "-plaintext", "unix://"+h.sock, "list")
	if !strings.Contains(list, "cctv.v1.CctvService\n") || !strings.Contains(list, "grpc.health.v1.Health\n") {
		t.Errorf("grpcurl list:\n%s", list)
	}
	st := grpcurl(t, bin, "-plaintext", "unix://"+h.sock, "cctv.v1.CctvService/GetStatus")
	if !strings.Contains(st, `"version": "v1.2.3"`) || !strings.Contains(st, `"DAY_STATE_RECORDING"`) {
		t.Errorf("grpcurl GetStatus:\n%s", st)
	}
}

func TestShutdownEndsStreams(t *testing.T) {
	h := serve(t, Config{})
	d := date("2026-11-22")
	stream := h.following(t, t.Context(), &cctvv1.ConvertDayRequest{Date: d.String()}, archive.Progress{Date: d, Phase: archive.PhaseEncoding})
	// The conversion never ends by itself; shutdown ends the stream.
	h.shutdown(t, DefaultShutdownTimeout)
	_, err := stream.Recv()
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "shutting down") {
		t.Errorf("stream after shutdown: %v", err)
	}
	if _, err := os.Stat(h.sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind: %v", err)
	}
}

func TestShutdownCutsOffSlowCalls(t *testing.T) {
	h := serve(t, Config{ShutdownTimeout: 50 * time.Millisecond})
	h.arc.block = true // VerifyDay answers when its context ends
	called := make(chan error, 1)
	go func() {
		_, err := h.api.VerifyDay(context.Background(), &cctvv1.VerifyDayRequest{Date: "2026-11-22"})
		called <- err
	}()
	<-h.arc.entered
	h.shutdown(t, DefaultShutdownTimeout)
	if err := <-called; status.Code(err) == codes.OK {
		t.Errorf("slow call: %v", err)
	}
}

func TestServeFailsOnClosedListener(t *testing.T) {
	days := fixtureDays()
	srv, err := New(Config{Addr: "unix://" + filepath.Join(t.TempDir(), "s.sock")},
		Deps{Cameras: OneCamera(days, newFakeArchiver(t, days), nil)}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	srv.lis.Close()
	if err := srv.Serve(t.Context()); err == nil {
		t.Error("Serve on a closed listener did not fail")
	}
}
