/** The guard's Prometheus metrics, on a registry of its own (two guards in one process keep apart). */
import { Counter, Histogram, Registry } from 'prom-client';

export class GuardMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'antidote_guard_requests_total', help: 'Requests by route and outcome (passed, flagged, blocked, error).', labelNames: ['route', 'outcome'], registers: [this.registry] });
  readonly flags = new Counter({ name: 'antidote_guard_flags_total', help: 'Flags raised, by screen.', labelNames: ['screen'], registers: [this.registry] });
  readonly screenSeconds = new Histogram({
    name: 'antidote_guard_screen_duration_seconds', help: 'Time spent in each screen.', labelNames: ['screen'], registers: [this.registry],
    buckets: [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.25],
  });
  readonly screenTimeouts = new Counter({ name: 'antidote_guard_screen_timeouts_total', help: 'Screens stopped at their time limit, by screen.', labelNames: ['screen'], registers: [this.registry] });
  readonly probeAlerts = new Counter({ name: 'antidote_guard_probe_alerts_total', help: 'Trigger-probing alerts: a sequence rare so far sent by several clients within a window.', registers: [this.registry] });
  readonly shadow = new Counter({ name: 'antidote_guard_shadow_comparisons_total', help: 'Answers compared with the shadow model\'s, by outcome (agreed, diverged, no answer).', labelNames: ['outcome'], registers: [this.registry] });
  readonly streamCuts = new Counter({ name: 'antidote_guard_stream_cuts_total', help: 'Streams cut because the response was flagged.', registers: [this.registry] });
  /** OpenTelemetry GenAI's client duration, with its attribute names as labels */
  readonly upstreamSeconds = new Histogram({
    name: 'gen_ai_client_operation_duration_seconds', help: 'Time from sending a request upstream to its last byte.', labelNames: ['gen_ai_operation_name', 'gen_ai_request_model'], registers: [this.registry],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
  });

  /** time `run` under the screen's name */
  timed<T>(screen: string, run: () => T): T {
    const end = this.screenSeconds.startTimer({ screen });
    try {
      return run();
    } finally {
      end();
    }
  }
}
