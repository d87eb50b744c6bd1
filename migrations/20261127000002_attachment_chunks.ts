import type { Knex } from 'knex';

/**
 * Attachment content in chunks (security finding "uploads are buffered in memory"): a file is
 * written and read one chunk of 1 MiB at a time, so neither an upload nor a download holds a
 * whole file (up to ATTACHMENT_MAX_BYTES) in memory. attachment_blobs keeps the sha256 and the
 * size; the content moves to attachment_chunks (seq 0, 1, …; an empty file has no chunk).
 * Existing content is split into chunks of the same size.
 */
const CHUNK = 1024 * 1024;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table attachment_chunks (
      sha256 char(64) not null references attachment_blobs (sha256),
      seq integer not null check (seq >= 0),
      data bytea not null,
      primary key (sha256, seq)
    )`);
  await knex.raw(
    `insert into attachment_chunks (sha256, seq, data)
     select b.sha256, g.seq, substring(b.data from g.seq * ${CHUNK} + 1 for ${CHUNK})
       from attachment_blobs b
       cross join lateral generate_series(0, (octet_length(b.data) + ${CHUNK} - 1) / ${CHUNK} - 1) as g(seq)`,
  );
  await knex.raw('alter table attachment_blobs drop column data');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table attachment_blobs add column data bytea');
  await knex.raw(
    `update attachment_blobs b
        set data = coalesce((select string_agg(c.data, ''::bytea order by c.seq) from attachment_chunks c where c.sha256 = b.sha256), ''::bytea)`,
  );
  await knex.raw('alter table attachment_blobs alter column data set not null');
  await knex.raw('drop table attachment_chunks');
}
