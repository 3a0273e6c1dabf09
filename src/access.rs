//! Who may run which command where: the rules of SPEC §7, pure.

use crate::command::Audience;

/// What the bot knows about whoever sent a command (the asker), before asking Telegram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asker {
    /// The command came in a private chat (the sender is that chat's only user).
    pub private: bool,
    /// The sender's user id is in `config.admins`.
    pub bot_admin: bool,
    /// Posted as the group itself (`sender_chat` is the chat): an anonymous group admin.
    pub anonymous_admin: bool,
    /// Posted as some other chat (a linked channel): nobody we can check.
    pub as_other_chat: bool,
}

/// Why a command was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Group admins only.
    NotChatAdmin,
    /// Bot admins only.
    NotBotAdmin,
    /// A bot-admin command sent in a group.
    PrivateOnly,
    /// Telegram could not tell whether the sender is an admin.
    Unverified,
}

/// The decision on a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Allowed,
    Refused(Refusal),
    /// Allowed if Telegram says the sender is the group's creator or an administrator.
    IfGroupAdmin,
}

/// Decides who may run a command of `audience`.
pub fn check(audience: Audience, sender: Asker) -> Access {
    match audience {
        Audience::Anyone => Access::Allowed,
        Audience::BotAdmin if !sender.private => Access::Refused(Refusal::PrivateOnly),
        Audience::BotAdmin if sender.bot_admin => Access::Allowed,
        Audience::BotAdmin => Access::Refused(Refusal::NotBotAdmin),
        Audience::ChatAdmin if sender.private || sender.bot_admin || sender.anonymous_admin => {
            Access::Allowed
        }
        Audience::ChatAdmin if sender.as_other_chat => Access::Refused(Refusal::NotChatAdmin),
        Audience::ChatAdmin => Access::IfGroupAdmin,
    }
}

/// What a user may do here, for `/help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Member,
    ChatAdmin,
    BotAdmin,
}

impl Role {
    /// Whether this role may use commands of `audience` (bot-admin commands: in private).
    pub fn may(self, audience: Audience) -> bool {
        match audience {
            Audience::Anyone => true,
            Audience::ChatAdmin => self >= Role::ChatAdmin,
            Audience::BotAdmin => self == Role::BotAdmin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_of_the_contract() {
        let member = Asker {
            private: false,
            bot_admin: false,
            anonymous_admin: false,
            as_other_chat: false,
        };
        let private = Asker {
            private: true,
            ..member
        };
        let bot_admin_in_group = Asker {
            bot_admin: true,
            ..member
        };
        let bot_admin_in_private = Asker {
            private: true,
            bot_admin: true,
            ..member
        };
        let anonymous = Asker {
            anonymous_admin: true,
            ..member
        };
        let channel = Asker {
            as_other_chat: true,
            ..member
        };
        use Access::*;
        use Audience::*;
        use Refusal::*;
        let cases = [
            (Anyone, member, Allowed),
            (Anyone, channel, Allowed),
            (ChatAdmin, member, IfGroupAdmin),
            (ChatAdmin, private, Allowed),
            (ChatAdmin, bot_admin_in_group, Allowed),
            (ChatAdmin, anonymous, Allowed),
            (ChatAdmin, channel, Refused(NotChatAdmin)),
            (BotAdmin, member, Refused(PrivateOnly)),
            (BotAdmin, bot_admin_in_group, Refused(PrivateOnly)),
            (BotAdmin, anonymous, Refused(PrivateOnly)),
            (BotAdmin, private, Refused(NotBotAdmin)),
            (BotAdmin, bot_admin_in_private, Allowed),
        ];
        for (audience, sender, want) in cases {
            assert_eq!(check(audience, sender), want, "{audience:?} {sender:?}");
        }
    }

    #[test]
    fn roles_see_their_commands() {
        assert!(Role::Member.may(Audience::Anyone));
        assert!(!Role::Member.may(Audience::ChatAdmin));
        assert!(Role::ChatAdmin.may(Audience::ChatAdmin));
        assert!(!Role::ChatAdmin.may(Audience::BotAdmin));
        assert!(Role::BotAdmin.may(Audience::BotAdmin));
    }
}
