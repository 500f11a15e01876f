/** One server-sent event as a provider emits it. */
export interface SseFrame {
  /** Written as an `event:` line (the Responses API names every frame; Chat Completions does not). */
  event?: string;
  /** Serialized as JSON on the `data:` line. */
  data: unknown;
  /**
   * Marks frames that carry generated output (text or tool-argument deltas). Chunk delays and
   * mid-stream faults count these, so `chunks: 5` means five output deltas whatever the envelope.
   */
  content?: boolean;
  /** The exact `data:` line text, when a wire reproduces provider quirks (Anthropic pads its JSON). */
  dataText?: string;
  /**
   * Sent at once, before `firstChunkDelayMs` elapses (e.g. Anthropic's `message_start`). The first
   * delay is spent before the first frame that is not immediate.
   */
  immediate?: boolean;
}

export function formatFrame(frame: SseFrame): string {
  const eventLine = frame.event ? `event: ${frame.event}\n` : '';
  return `${eventLine}data: ${frame.dataText ?? JSON.stringify(frame.data)}\n\n`;
}

/** A frame whose data line is not JSON, for exercising client parse-error paths. */
export const MALFORMED_SSE_FRAME = 'data: {not json\n\n';
