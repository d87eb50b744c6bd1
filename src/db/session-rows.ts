/**
 * The statements of the `sessions` table (web/sessions.ts keeps the sessions; the customer
 * overview checks one inside its own statement, services/reads/lists.ts).
 *
 * A session is valid while its row has not expired and its user is active with the access they
 * had at sign-in (users.session_epoch, raised by the database on a change of active, role or
 * memberships). The JSON comes as text (the column is `json`, kept as written), so a request can
 * tell whether it changed by comparing texts.
 */
const VALID = `s.expire >= now()
    and (s.user_id is null or (u.active and u.session_epoch = ((s.sess -> 'passport' -> 'user' ->> 'epoch'))::integer))`;

/** The row of session $1 while valid, with its user's language as it is now. */
export const SESSION_GET = `select s.sess::text as sess, u.language from sessions s left join users u on u.id = s.user_id
  where s.sid = $1 and ${VALID}`;

// as connect-pg-simple wrote them (expire: timestamp in the server's zone), so rows stay compatible
export const SESSION_SET = `insert into sessions (sess, expire, sid) select $1, to_timestamp($2), $3
  on conflict (sid) do update set sess = $1, expire = to_timestamp($2)`;

export const SESSION_DESTROY = 'delete from sessions where sid = $1';

/**
 * A session as a request last read it (SESSION_GET's row), to be checked by a read's statement:
 * see sessionUnchangedSql.
 */
export interface SessionCheck {
  sid: string;
  sess: string;
  language: string | null;
}

/**
 * A scalar subquery, true when session `sid` is still valid and reads exactly `sess` and
 * `language`, else false or null; its `?` bindings are sessionCheckValues. A read adds it to its
 * own statement, so the check costs no round trip of its own.
 */
export const SESSION_UNCHANGED = `select s.sess::text = ? and u.language is not distinct from ?
  from sessions s left join users u on u.id = s.user_id where s.sid = ? and ${VALID}`;

/** SESSION_UNCHANGED's bindings in their order. */
export const sessionCheckValues = (c: SessionCheck) => [c.sess, c.language, c.sid];
