import type { Knex } from 'knex';

/**
 * Effort and the monthly report (issue 11, REPORT.md).
 *
 * - efforts.billable: set when the entry is logged, from the ticket's paragraph kind unless
 *   staff say otherwise (REPORT.md §2); existing entries get the default of their ticket's
 *   paragraph. updated_at for edits.
 * - tickets.*_consumed_minutes: the counted time of each clock, stored with its verdict, so
 *   a closed ticket's report figures are those of its closing whatever is edited later.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table efforts
      add column billable boolean,
      add column updated_at timestamptz;
    update efforts e set billable = (p.kind <> 'incident')
      from tickets t join contract_paragraphs p on p.id = t.paragraph_id
      where t.number = e.ticket_number;
    alter table efforts alter column billable set not null;
    create index efforts_work_date on efforts (work_date, ticket_number);

    alter table tickets
      add column reaction_consumed_minutes double precision,
      add column resolution_consumed_minutes double precision;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table tickets drop column if exists reaction_consumed_minutes, drop column if exists resolution_consumed_minutes;
    drop index if exists efforts_work_date;
    alter table efforts drop column if exists billable, drop column if exists updated_at;
  `);
}
