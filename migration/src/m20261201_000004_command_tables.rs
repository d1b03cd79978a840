//! Tables the commands read: lifetime totals per player and per player and weapon (kept by
//! the import in the same transaction as the rows they sum, and filled here from the rows
//! already stored), and the audit log of admin commands.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
/// Creates `player_totals`, `player_weapon_totals` and `command_audit`.
pub struct Migration;

/// The summed columns of `player_totals`, each the sum of the same-named (or listed)
/// `player_comprehensive_stats` column over a player's round-1 and round-2 rows.
pub const PLAYER_SUMS: &[(&str, &str)] = &[
    ("kills", "kills"),
    ("deaths", "deaths"),
    ("gibs", "gibs"),
    ("self_kills", "self_kills"),
    ("team_kills", "team_kills"),
    ("damage_given", "damage_given"),
    ("damage_received", "damage_received"),
    ("team_damage_given", "team_damage_given"),
    ("team_damage_received", "team_damage_received"),
    ("headshot_kills", "headshot_kills"),
    ("headshots", "headshots"),
    ("hits", "hits"),
    ("shots", "shots"),
    ("time_played_seconds", "time_played_seconds"),
    ("revives_given", "revives_given"),
    ("times_revived", "times_revived"),
    ("objectives_completed", "objectives_completed"),
    ("objectives_destroyed", "objectives_destroyed"),
    ("objectives_stolen", "objectives_stolen"),
    ("objectives_returned", "objectives_returned"),
    ("dynamites_planted", "dynamites_planted"),
    ("dynamites_defused", "dynamites_defused"),
    ("constructions", "constructions"),
    ("useful_kills", "most_useful_kills"),
    ("useless_kills", "useless_kills"),
    ("kill_assists", "kill_assists"),
    ("denied_playtime", "denied_playtime"),
    ("xp", "xp"),
    ("double_kills", "double_kills"),
    ("triple_kills", "triple_kills"),
    ("quad_kills", "quad_kills"),
    ("multi_kills", "multi_kills"),
    ("mega_kills", "mega_kills"),
];

/// The summed columns of `player_weapon_totals` (same names in `weapon_comprehensive_stats`).
pub const WEAPON_SUMS: &[&str] = &["kills", "deaths", "headshots", "hits", "shots"];

#[derive(DeriveIden)]
enum PlayerTotals {
    Table,
    Guid,
    Rounds,
    TimeDeadSeconds,
    EfficiencySum,
    FirstSeen,
    LastSeen,
}

#[derive(DeriveIden)]
enum PlayerWeaponTotals {
    Table,
    Guid,
    Weapon,
}

#[derive(DeriveIden)]
enum CommandAudit {
    Table,
    Id,
    At,
    UserId,
    UserName,
    ChannelId,
    Command,
    Arguments,
    Outcome,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut players = Table::create();
        players
            .table(PlayerTotals::Table)
            .if_not_exists()
            .col(text(PlayerTotals::Guid).primary_key())
            .col(big_integer(PlayerTotals::Rounds).default(0));
        for (column, _) in PLAYER_SUMS {
            players.col(big_integer(Alias::new(*column)).default(0));
        }
        players
            .col(double(PlayerTotals::TimeDeadSeconds).default(0.0))
            .col(double(PlayerTotals::EfficiencySum).default(0.0))
            .col(date_time(PlayerTotals::FirstSeen))
            .col(date_time(PlayerTotals::LastSeen));
        manager.create_table(players.to_owned()).await?;

        let mut weapons = Table::create();
        weapons
            .table(PlayerWeaponTotals::Table)
            .if_not_exists()
            .col(text(PlayerWeaponTotals::Guid))
            .col(text(PlayerWeaponTotals::Weapon));
        for column in WEAPON_SUMS {
            weapons.col(big_integer(Alias::new(*column)).default(0));
        }
        weapons.primary_key(
            Index::create().col(PlayerWeaponTotals::Guid).col(PlayerWeaponTotals::Weapon),
        );
        manager.create_table(weapons.to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(CommandAudit::Table)
                    .if_not_exists()
                    .col(pk_auto(CommandAudit::Id))
                    .col(date_time(CommandAudit::At))
                    .col(big_integer(CommandAudit::UserId))
                    .col(text(CommandAudit::UserName))
                    .col(big_integer(CommandAudit::ChannelId))
                    .col(text(CommandAudit::Command))
                    .col(text(CommandAudit::Arguments))
                    .col(text(CommandAudit::Outcome))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_command_audit_at")
                    .table(CommandAudit::Table)
                    .col(CommandAudit::At)
                    .to_owned(),
            )
            .await?;

        // Totals of the rounds stored before this migration.
        let db = manager.get_connection();
        let columns: Vec<&str> = PLAYER_SUMS.iter().map(|(c, _)| *c).collect();
        let sums: Vec<String> = PLAYER_SUMS.iter().map(|(_, s)| format!("SUM(p.{s})")).collect();
        db.execute_unprepared(&format!(
            "INSERT INTO player_totals (guid, rounds, {}, time_dead_seconds, efficiency_sum, first_seen, last_seen) \
             SELECT p.player_guid, COUNT(*), {}, SUM(p.time_dead_minutes * 60.0), SUM(p.efficiency), MIN(r.round_at), MAX(r.round_at) \
             FROM player_comprehensive_stats p JOIN rounds r ON r.id = p.round_id \
             WHERE p.round_number IN (1, 2) GROUP BY p.player_guid",
            columns.join(", "),
            sums.join(", ")
        ))
        .await?;
        let sums: Vec<String> = WEAPON_SUMS.iter().map(|c| format!("SUM(w.{c})")).collect();
        db.execute_unprepared(&format!(
            "INSERT INTO player_weapon_totals (guid, weapon, {}) \
             SELECT w.player_guid, w.weapon_name, {} FROM weapon_comprehensive_stats w \
             WHERE w.round_number IN (1, 2) GROUP BY w.player_guid, w.weapon_name",
            WEAPON_SUMS.join(", "),
            sums.join(", ")
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["command_audit", "player_weapon_totals", "player_totals"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
