#!/usr/bin/env python3
"""Generates the stats tables' sea-orm entities (entity/src/*.rs) from one column list.
Run from the repository root: python3 scripts/gen/schema.py. The output is committed.

Migrations are append-only: this script never writes one. The column list describes the
schema as m20261125_000002_stats_schema.rs created it; a schema change is a new migration file
(and its checksum line in migration/applied.sha256) plus the matching change here.
`--check` says whether the original migration still matches the list (it must, for the
tables this list created, until a later migration alters them)."""

# type: (rust type, migration helper)
T = {
    "i32": ("i32", "integer"), "i64": ("i64", "big_integer"), "f64": ("f64", "double"),
    "text": ("String", "text"), "bool": ("bool", "boolean"), "ts": ("DateTime", "date_time"),
    "blob": ("Vec<u8>", "blob"),
}

PLAYER_INTS = """kills deaths damage_given damage_received team_damage_given team_damage_received gibs
self_kills team_kills team_gibs headshot_kills headshots hits shots time_played_seconds""".split()
PLAYER_TAIL_INTS = """bullets_fired kill_assists objectives_completed objectives_destroyed objectives_stolen
objectives_returned dynamites_planted dynamites_defused times_revived revives_given most_useful_kills
useless_kills kill_steals denied_playtime constructions""".split()
PLAYER_TAIL2_INTS = """double_kills triple_kills quad_kills multi_kills mega_kills killing_spree_best
death_spree_worst full_selfkills session_rounds""".split()

TABLES = {
    "gaming_sessions": {
        "doc": "One gaming session: consecutive rounds with no gap over the session gap. The id is the first round's file time as YYYYMMDDHHMMSS, so it follows from the data, not from import order.",
        "cols": [("id", "i64", "pk"), ("started_at", "ts", ""), ("ended_at", "ts", ""), ("round_count", "i32", "")],
    },
    "rounds": {
        "doc": "One round (1 or 2) or a map's match summary (round 0).",
        "cols": [("id", "i32", "pk_auto"), ("server", "text", ""), ("match_id", "text", ""),
                 ("round_number", "i32", ""), ("round_date", "text", ""), ("round_time", "text", ""),
                 ("round_at", "ts", ""), ("map_name", "text", ""), ("config", "text", ""),
                 ("server_name", "text", ""), ("time_limit", "text", ""), ("actual_time", "text", ""),
                 ("time_limit_seconds", "i32", ""), ("actual_time_seconds", "i32", ""),
                 ("defender_team", "i32", ""), ("winner_team", "i32", ""), ("is_tied", "bool", ""),
                 ("round_outcome", "text", ""), ("round_status", "text", ""),
                 ("gaming_session_id", "i64", "null"), ("filename", "text", ""),
                 ("round1_filename", "text", "null"), ("player_count", "i32", ""),
                 ("created_at", "ts", "")],
    },
    "player_comprehensive_stats": {
        "doc": "One player's numbers in one round (or match summary).",
        "cols": [("id", "i32", "pk_auto"), ("round_id", "i32", ""), ("round_date", "text", ""),
                 ("map_name", "text", ""), ("round_number", "i32", ""), ("player_guid", "text", ""),
                 ("player_name", "text", ""), ("clean_name", "text", ""), ("raw_name", "text", ""),
                 ("raw_name_bytes", "blob", "null"), ("team", "i32", "")]
                + [(c, "i32", "") for c in PLAYER_INTS]
                + [("time_played_minutes", "f64", ""), ("time_dead_minutes", "f64", ""),
                   ("time_dead_ratio", "f64", ""), ("time_played_percent", "f64", ""), ("xp", "i32", ""),
                   ("kd_ratio", "f64", ""), ("dpm", "f64", ""), ("efficiency", "f64", ""),
                   ("accuracy", "f64", "")]
                + [(c, "i32", "") for c in PLAYER_TAIL_INTS]
                + [("tank_meatshield", "f64", "")]
                + [(c, "i32", "") for c in PLAYER_TAIL2_INTS]
                + [("created_at", "ts", "")],
    },
    "weapon_comprehensive_stats": {
        "doc": "One weapon's numbers for one player in one round.",
        "cols": [("id", "i32", "pk_auto"), ("round_id", "i32", ""), ("round_date", "text", ""),
                 ("map_name", "text", ""), ("round_number", "i32", ""), ("player_guid", "text", ""),
                 ("player_name", "text", ""), ("weapon_name", "text", ""), ("kills", "i32", ""),
                 ("deaths", "i32", ""), ("headshots", "i32", ""), ("shots", "i32", ""), ("hits", "i32", ""),
                 ("accuracy", "f64", ""), ("created_at", "ts", "")],
    },
    "player_aliases": {
        "doc": "Every name a GUID played under, with when and how often (rounds 1 and 2).",
        "cols": [("id", "i32", "pk_auto"), ("guid", "text", ""), ("alias", "text", ""),
                 ("first_seen", "ts", ""), ("last_seen", "ts", ""), ("times_seen", "i32", "")],
    },
    "player_links": {
        "doc": "A Discord account linked to a player GUID.",
        "cols": [("id", "i32", "pk_auto"), ("player_guid", "text", "uniq"), ("discord_id", "i64", "uniq"),
                 ("discord_username", "text", ""), ("player_name", "text", ""), ("linked_at", "ts", ""),
                 ("display_name", "text", "null"), ("display_name_source", "text", ""),
                 ("display_name_updated_at", "ts", "null")],
    },
}

UNIQUES = {
    "rounds": [("uq_rounds_identity", ["server", "map_name", "round_date", "round_time", "round_number"])],
    "player_comprehensive_stats": [("uq_pcs_round_guid", ["round_id", "player_guid"])],
    "weapon_comprehensive_stats": [("uq_wcs_round_guid_weapon", ["round_id", "player_guid", "weapon_name"])],
    "player_aliases": [("uq_aliases_guid_alias", ["guid", "alias"])],
}
INDEXES = {
    "rounds": [("idx_rounds_date", ["round_date"]), ("idx_rounds_map", ["map_name"]),
               ("idx_rounds_session", ["gaming_session_id"]), ("idx_rounds_at", ["round_at"]),
               ("idx_rounds_filename", ["filename"])],
    "player_comprehensive_stats": [("idx_pcs_guid", ["player_guid"]), ("idx_pcs_date", ["round_date"]),
                                   ("idx_pcs_map", ["map_name"]), ("idx_pcs_clean_name", ["clean_name"])],
    "weapon_comprehensive_stats": [("idx_wcs_guid", ["player_guid"])],
    "player_aliases": [("idx_aliases_alias", ["alias"]), ("idx_aliases_last_seen", ["last_seen"])],
    "player_links": [("idx_links_display_name", ["display_name"])],
    "gaming_sessions": [("idx_sessions_started", ["started_at"])],
}
FKS = {
    "rounds": [("fk_rounds_session", "gaming_session_id", "gaming_sessions", "id", "SetNull")],
    "player_comprehensive_stats": [("fk_pcs_round", "round_id", "rounds", "id", "Cascade")],
    "weapon_comprehensive_stats": [("fk_wcs_round", "round_id", "rounds", "id", "Cascade")],
}

def camel(s):
    return "".join(p.capitalize() for p in s.split("_"))

def migration():
    out = ['//! The stats schema: sessions, rounds, per-player and per-weapon rows, aliases and links,',
           '//! plus the stored file content on `processed_files`. Generated by `scripts/gen/schema.py`.',
           'use sea_orm_migration::{prelude::*, schema::*};', '',
           '#[derive(DeriveMigrationName)]', '/// Creates the stats tables.', 'pub struct Migration;', '']
    for t in TABLES:
        out.append(f'#[derive(DeriveIden)]\nenum {camel(t)} {{\n    Table,')
        for c, _, _ in TABLES[t]["cols"]:
            out.append(f'    {camel(c)},')
        out.append('}\n')
    out.append('#[derive(DeriveIden)]\nenum ProcessedFiles {\n    Table,\n    Content,\n    DuplicateOf,\n    FileHash,\n}\n')
    out.append('#[async_trait::async_trait]\nimpl MigrationTrait for Migration {')
    out.append('    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {')
    for t in TABLES:
        E = camel(t)
        out.append(f'        manager\n            .create_table(\n                Table::create()\n                    .table({E}::Table)\n                    .if_not_exists()')
        for c, ty, flag in TABLES[t]["cols"]:
            helper = T[ty][1]
            if flag == "pk_auto":
                col = f'pk_auto({E}::{camel(c)})'
            elif flag == "pk":
                col = f'{helper}({E}::{camel(c)}).primary_key()'
            elif flag == "null":
                col = f'{helper}_null({E}::{camel(c)})'
            elif flag == "uniq":
                col = f'{helper}_uniq({E}::{camel(c)})'
            elif ty in ("i32", "i64", "f64"):
                col = f'{helper}({E}::{camel(c)}).default(0)'
            else:
                col = f'{helper}({E}::{camel(c)})'
            out.append(f'                    .col({col})')
        for name, col, ref, refcol, action in FKS.get(t, []):
            out.append(f'                    .foreign_key(\n                        ForeignKey::create()\n                            .name("{name}")\n                            .from({E}::Table, {E}::{camel(col)})\n                            .to({camel(ref)}::Table, {camel(ref)}::{camel(refcol)})\n                            .on_delete(ForeignKeyAction::{action}),\n                    )')
        out.append('                    .to_owned(),\n            )\n            .await?;')
        for name, cols in UNIQUES.get(t, []):
            out.append(f'        manager\n            .create_index(\n                Index::create()\n                    .name("{name}")\n                    .table({E}::Table)')
            for c in cols:
                out.append(f'                    .col({E}::{camel(c)})')
            out.append('                    .unique()\n                    .if_not_exists()\n                    .to_owned(),\n            )\n            .await?;')
        for name, cols in INDEXES.get(t, []):
            out.append(f'        manager\n            .create_index(\n                Index::create()\n                    .name("{name}")\n                    .table({E}::Table)')
            for c in cols:
                out.append(f'                    .col({E}::{camel(c)})')
            out.append('                    .if_not_exists()\n                    .to_owned(),\n            )\n            .await?;')
    # processed_files additions (one column per ALTER for SQLite)
    for c, helper in [("Content", "blob_null"), ("DuplicateOf", "text_null")]:
        out.append(f'        if !manager.has_column("processed_files", "{ "content" if c == "Content" else "duplicate_of" }").await? {{')
        out.append(f'            manager\n                .alter_table(\n                    Table::alter()\n                        .table(ProcessedFiles::Table)\n                        .add_column({helper}(ProcessedFiles::{c}))\n                        .to_owned(),\n                )\n                .await?;\n        }}')
    out.append('        manager\n            .create_index(\n                Index::create()\n                    .name("idx_processed_files_hash")\n                    .table(ProcessedFiles::Table)\n                    .col(ProcessedFiles::FileHash)\n                    .if_not_exists()\n                    .to_owned(),\n            )\n            .await?;')
    out.append('        Ok(())\n    }\n')
    out.append('    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {')
    out.append('        // Only ever run by hand on a development database: it drops the stats tables.')
    for t in reversed(list(TABLES)):
        out.append(f'        manager.drop_table(Table::drop().table({camel(t)}::Table).if_exists().to_owned()).await?;')
    out.append('        Ok(())\n    }\n}')
    return "\n".join(out) + "\n"

def entity(t):
    out = [f'//! `{t}`: {TABLES[t]["doc"]}', 'use sea_orm::entity::prelude::*;', '',
           f'/// A row of `{t}`.', '#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]',
           f'#[sea_orm(table_name = "{t}")]', 'pub struct Model {']
    for c, ty, flag in TABLES[t]["cols"]:
        rust = T[ty][0]
        if flag == "null":
            rust = f'Option<{rust}>'
        if flag == "pk_auto":
            out.append('    #[sea_orm(primary_key)]')
        elif flag == "pk":
            out.append('    #[sea_orm(primary_key, auto_increment = false)]')
        elif flag == "uniq":
            out.append('    #[sea_orm(unique)]')
        if ty == "text":
            out.append('    #[sea_orm(column_type = "Text")]')
        if ty == "blob":
            out.append('    #[sea_orm(column_type = "Blob")]')
        out.append(f'    #[allow(missing_docs)]\n    pub {c}: {rust},')
    out.append('}\n')
    out.append('/// No relations are declared; queries join explicitly.')
    out.append('#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]\npub enum Relation {}\n')
    out.append('impl ActiveModelBehavior for ActiveModel {}')
    return "\n".join(out) + "\n"

if __name__ == "__main__":
    import sys
    if "--check" in sys.argv:
        import subprocess, tempfile
        applied = open("migration/src/m20261125_000002_stats_schema.rs").read()
        with tempfile.NamedTemporaryFile("w", suffix=".rs", delete=False) as f:
            f.write(migration())
        subprocess.run(["rustfmt", "--edition", "2024", "--config-path", "rustfmt.toml", f.name], check=True)
        same = applied == open(f.name).read()
        print("m20261125_000002 matches the column list" if same else
              "m20261125_000002 differs from the column list: write the change as a new migration")
        sys.exit(0 if same else 1)
    for t in TABLES:
        open(f"entity/src/{t}.rs", "w").write(entity(t))
    print("generated", ", ".join(TABLES))
