package worker

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
)

// heartbeats makes every activity scheduled with a heartbeat timeout heartbeat while it runs.
// Without heartbeats, Temporal notices a worker that died mid-call (SIGKILL, OOM, lost host)
// only when the attempt's start-to-close timeout runs out — minutes for provider calls. With
// them it notices within the heartbeat timeout and retries on a live worker. The activities
// themselves stay unaware: a provider call is one blocking HTTP exchange with no progress to
// report, so liveness of the process is all a heartbeat can say, and this says it.
type heartbeats struct {
	interceptor.WorkerInterceptorBase
}

func (*heartbeats) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	i := &heartbeatInbound{}
	i.Next = next
	return i
}

type heartbeatInbound struct {
	interceptor.ActivityInboundInterceptorBase
}

func (h *heartbeatInbound) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	info := activity.GetInfo(ctx)
	if info.IsLocalActivity || info.HeartbeatTimeout <= 0 {
		return h.Next.ExecuteActivity(ctx, in)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		// Three beats per timeout, so one lost or throttled beat never times the attempt out.
		t := time.NewTicker(info.HeartbeatTimeout / 3)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			case <-stop:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return h.Next.ExecuteActivity(ctx, in)
}
