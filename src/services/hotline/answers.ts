/**
 * What the caller hears next, as the use cases decide it; the hotline channel renders it as
 * TwiML (src/hotline/prompts.ts). Every `goodbye` and `saved`, `outside_hours`, `download_failed`
 * ends the call.
 */
export type CallAnswer =
  /** ask for the code: the first time, after a wrong one, or after silence */
  | { kind: 'ask_code'; after: 'greeting' | 'wrong' | 'silence' }
  /** say the instructions and record (again) */
  | { kind: 'record'; after: 'code' | 'again' | 'empty' }
  | { kind: 'menu' }
  | { kind: 'play'; recordingUrl: string }
  | { kind: 'outside_hours'; hours: string | null }
  | { kind: 'saved'; ticketNumber: number }
  /** a save already running in another request: the number follows by e-mail */
  | { kind: 'saving' }
  | { kind: 'download_failed' }
  | { kind: 'goodbye'; reason: 'locked_out' | 'too_many_tries' | 'hung_up' | 'unknown_call' };

/** The provider's parameters of one webhook, as the channel read them. */
export interface CallParams {
  callSid: string;
  from: string;
  to: string;
}
