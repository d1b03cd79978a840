//! Where commands are answered and who is an admin: the channel rules (reloadable) and the
//! caller's rights in the channel a command came from.
use super::*;
use crate::settings::DiscordSettings;

/// Which channels commands are read in and who is an admin (reloadable).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelRules {
    /// Channels where commands are read; empty: the public and admin channels.
    pub command_channels: Vec<u64>,
    /// Production, general and gather channels.
    pub public: Vec<u64>,
    /// Admin channels; admin commands are answered only there (anywhere when empty).
    pub admin_channels: Vec<u64>,
    /// The webhook control channel: never answered.
    pub control: u64,
    /// Users who are admins.
    pub admin_users: Vec<u64>,
    /// Roles whose members are admins.
    pub admin_roles: Vec<u64>,
}

impl ChannelRules {
    /// The rules the settings give.
    pub fn from_settings(settings: &DiscordSettings) -> Self {
        ChannelRules {
            command_channels: settings.command_channels.clone(),
            public: [
                settings.production_channel_id,
                settings.general_channel_id,
                settings.gather_channel_id,
            ]
            .into_iter()
            .filter(|c| *c != 0)
            .collect(),
            admin_channels: settings.admin_channel_ids.clone(),
            control: settings.control_channel_id,
            admin_users: settings.admin_user_ids.clone(),
            admin_roles: settings.admin_role_ids.clone(),
        }
    }

    /// Whether commands are read in `channel`.
    pub fn reads(&self, channel: u64) -> bool {
        if channel == self.control && self.control != 0 {
            return false;
        }
        if self.admin_channels.contains(&channel) {
            return true;
        }
        if !self.command_channels.is_empty() {
            return self.command_channels.contains(&channel);
        }
        if self.public.is_empty() && self.admin_channels.is_empty() {
            return true;
        }
        self.public.contains(&channel)
    }

    /// Whether admin commands are answered in `channel`.
    pub fn admin_channel(&self, channel: u64) -> bool {
        self.admin_channels.is_empty() || self.admin_channels.contains(&channel)
    }

    /// Whether a user with `roles` (and Manage Server or not) is an admin: on the admin list
    /// or holding an admin role; with neither list set, Manage Server decides.
    pub fn is_admin(&self, user: u64, roles: &[u64], manage_guild: bool) -> bool {
        if self.admin_users.is_empty() && self.admin_roles.is_empty() {
            return manage_guild;
        }
        self.admin_users.contains(&user) || roles.iter().any(|r| self.admin_roles.contains(r))
    }
}

/// Who is asking, with their admin rights here.
pub(super) async fn caller(ctx: Context<'_>) -> Caller {
    let rules = ctx.data().rules();
    let user = ctx.author();
    let (roles, manage_guild) = match ctx.author_member().await {
        Some(member) => {
            let roles: Vec<u64> = member.roles.iter().map(|r| r.get()).collect();
            let manage = match member.permissions {
                Some(p) => p.manage_guild(),
                None => ctx
                    .guild()
                    .map(|g| {
                        #[allow(
                            deprecated,
                            reason = "the cached guild is all a prefix command has"
                        )]
                        g.member_permissions(&member).manage_guild()
                    })
                    .unwrap_or(false),
            };
            (roles, manage)
        }
        None => (Vec::new(), false),
    };
    let admin = rules.admin_channel(ctx.channel_id().get())
        && rules.is_admin(user.id.get(), &roles, manage_guild);
    Caller { discord_id: Some(user.id.get()), name: user.name.clone(), admin }
}
