// Interface texts, French by default, English available. The API answers in
// the same language (Accept-Language), so its error sentences match.
const texts = {
  fr: {
    skip: "Aller au contenu",
    home: "Accueil", groups: "Groupes", notifications: "Notifications", messages: "Messages privés",
    no_conversations: "Aucun message privé. Depuis un salon, « Message privé » sous le message d'un membre en ouvre un.",
    new_messages: "nouveaux messages", with_whom: "Avec {who}", progress: "Mon parcours",
    profile: "Mon arrêt", logout: "Se déconnecter", login: "Se connecter", register: "Créer un compte",
    language: "English", email: "Adresse e-mail", password: "Mot de passe", handle: "Pseudo",
    welcome_title: "Bienvenue sur Colibri",
    welcome_text: "Un groupe d'entraide pour arrêter de fumer, ouvert jour et nuit. Ici, chaque jour sans tabac compte et personne ne juge.",
    have_account: "Déjà inscrit·e ?", no_account: "Pas encore de compte ?",
    password_hint: "Au moins 8 caractères.",
    handle_hint: "Le nom que les autres verront (2 à 32 caractères).",
    spaces: "Espaces et groupes", member: "membre", members: "membres", open: "Entrer", join: "Rejoindre",
    ask_join: "Demander à rejoindre", motivation: "Quelques mots sur vous et votre envie d'arrêter",
    motivation_hint: "Au moins 10 caractères. Seuls les modérateurs du groupe la liront.",
    send_request: "Envoyer ma demande", pending: "Votre demande est en attente : un·e modérateur·rice va vous répondre.",
    invite_only: "Ce groupe est accessible sur invitation.", parent_first: "Rejoignez d'abord le groupe parent.",
    room: "Salon", threads: "Discussions", moderation: "Modération", rules: "Règles du groupe",
    write: "Votre message", send: "Envoyer", older: "Messages plus anciens", no_messages: "Pas encore de message : lancez-vous !",
    typing_one: "{who} écrit…", someone: "Quelqu'un", deleted: "Message retiré", edited: "modifié",
    report: "Signaler", reply: "Répondre", react: "Réagir", dm: "Message privé",
    report_title: "Signaler ce message", reason: "Motif", note: "Précision (facultatif)",
    reasons: { abuse: "Propos blessants", spam: "Publicité ou spam", dangerous_advice: "Conseil dangereux",
               distress: "Personne en détresse", privacy: "Vie privée exposée", other: "Autre" },
    reported: "Merci, les modérateurs ont été prévenus.", cancel: "Annuler",
    new_thread: "Nouvelle discussion", title: "Titre", first_post: "Premier message", create: "Créer",
    posts: "messages", unread: "non lus", locked: "verrouillée", pinned: "épinglée",
    back: "Retour", offline: "Connexion perdue, reconnexion…", online: "Connecté",
    notifications_empty: "Aucune notification pour l'instant.", mark_read: "Tout marquer comme lu",
    quit_title: "Mon arrêt du tabac", quit_date: "Date d'arrêt", cigs: "Cigarettes par jour (avant l'arrêt)",
    pack_price: "Prix d'un paquet (€)", pack_size: "Cigarettes par paquet",
    share: "Qui voit mon parcours ?", share_private: "Moi seul·e", share_groups: "Les membres de mes groupes (pour être fêté·e)",
    save: "Enregistrer", saved: "Enregistré.",
    progress_title: "Mon parcours", days: "jours sans tabac", days_until: "Jour J dans {n} jour(s). On est là pour vous.",
    not_smoked: "cigarettes non fumées", saved_money: "économisés", regained: "de vie regagnée",
    next_milestone: "Prochaine étape", badges: "Badges gagnés", no_quit: "Indiquez votre date d'arrêt pour suivre vos progrès.",
    set_quit: "Indiquer ma date d'arrêt", source: "Source",
    join_requests: "Demandes d'adhésion", approve: "Accepter", reject: "Refuser", reject_reason: "Raison (montrée à la personne seulement)",
    reports: "Signalements", hide: "Masquer", remind_rules: "Rappeler les règles", mute: "Mettre en sourdine (1 h)", dismiss: "Classer",
    celebrations: "Les fêtés du jour", congratulated: "Félicité·e", congratulate: "J'ai félicité",
    by: "par", scheduled: "Messages programmés", audit: "Journal de modération",
    repeat: "Fréquence", once: "Une fois", daily: "Chaque jour", weekly: "Chaque semaine", at: "Date et heure", time: "Heure",
    weekdays: "Jours", timezone: "Fuseau horaire", schedule: "Programmer", delete: "Supprimer", next_at: "Prochaine publication",
    nothing: "Rien pour l'instant.", loading: "Chargement…",
    day_names: ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    error_network: "Impossible de joindre Colibri. Vérifiez votre connexion, nous réessayons.",
    error_generic: "Quelque chose n'a pas fonctionné. Réessayez dans un instant.",
    session_over: "Votre session est terminée : reconnectez-vous.",
    held: "Votre message sera publié après relecture par un·e modérateur·rice.",
    help: "Besoin de parler à quelqu'un tout de suite ? Tabac Info Service : 39 89 (appel gratuit).",
    verify_title: "Confirmation de l'adresse e-mail", verified: "Merci, votre adresse e-mail est confirmée.",
    resend: "Renvoyer le lien", resent: "Un nouveau lien vient de partir. Pensez à regarder dans les indésirables.",
    verify_banner: "Confirmez votre adresse e-mail : un lien vous a été envoyé.",
    forgot_link: "Mot de passe oublié ?", forgot_title: "Mot de passe oublié",
    forgot_text: "Indiquez l'adresse e-mail de votre compte : nous y envoyons un lien pour choisir un nouveau mot de passe.",
    send_link: "Envoyer le lien",
    reset_sent: "Si un compte existe avec cette adresse, un lien vient de partir. Il est valable une heure.",
    reset_title: "Nouveau mot de passe", new_password: "Nouveau mot de passe",
    reset_done: "Mot de passe changé. Connectez-vous avec le nouveau.",
    account: "Mon compte", email_verified: "confirmée", email_unverified: "à confirmer",
    pending_email: "Nouvelle adresse en attente de confirmation : {email}. Ouvrez le lien reçu à cette adresse.",
    change_password: "Changer de mot de passe", current_password: "Mot de passe actuel",
    password_changed: "Mot de passe changé. Vos autres sessions ont été fermées.",
    change_email: "Changer d'adresse e-mail", new_email: "Nouvelle adresse e-mail",
    new_email_hint: "Elle ne comptera qu'une fois confirmée par le lien que nous y enverrons.",
    email_link_sent: "Un lien de confirmation est parti vers la nouvelle adresse. Vos autres sessions ont été fermées.",
    delete_account: "Supprimer mon compte",
    delete_text: "Tout ce que vous avez écrit sera effacé, vos adhésions et vos messages privés aussi. C'est définitif.",
    delete_sure: "Je comprends que c'est définitif.", delete_tick: "Cochez la case pour confirmer.",
    deleted_account: "Votre compte est supprimé. Prenez soin de vous.",
  },
  en: {
    skip: "Skip to content",
    home: "Home", groups: "Groups", notifications: "Notifications", messages: "Private messages",
    no_conversations: "No private message. In a room, \"Private message\" under a member's message opens one.",
    new_messages: "new messages", with_whom: "With {who}", progress: "My journey",
    profile: "My quit", logout: "Log out", login: "Log in", register: "Sign up",
    language: "Français", email: "Email address", password: "Password", handle: "Display name",
    welcome_title: "Welcome to Colibri",
    welcome_text: "A peer-support group to quit smoking, open day and night. Here every smoke-free day counts and nobody judges.",
    have_account: "Already registered?", no_account: "No account yet?",
    password_hint: "At least 8 characters.",
    handle_hint: "The name others will see (2 to 32 characters).",
    spaces: "Spaces and groups", member: "member", members: "members", open: "Enter", join: "Join",
    ask_join: "Ask to join", motivation: "A few words about you and why you want to quit",
    motivation_hint: "At least 10 characters. Only the group's moderators will read it.",
    send_request: "Send my request", pending: "Your request is pending: a moderator will answer you.",
    invite_only: "This group is by invitation.", parent_first: "Join the parent group first.",
    room: "Room", threads: "Threads", moderation: "Moderation", rules: "Group rules",
    write: "Your message", send: "Send", older: "Older messages", no_messages: "No message yet: go ahead!",
    typing_one: "{who} is typing…", someone: "Someone", deleted: "Message removed", edited: "edited",
    report: "Report", reply: "Reply", react: "React", dm: "Private message",
    report_title: "Report this message", reason: "Reason", note: "Details (optional)",
    reasons: { abuse: "Hurtful words", spam: "Advertising or spam", dangerous_advice: "Dangerous advice",
               distress: "Someone in distress", privacy: "Private life exposed", other: "Other" },
    reported: "Thank you, the moderators were told.", cancel: "Cancel",
    new_thread: "New thread", title: "Title", first_post: "First post", create: "Create",
    posts: "posts", unread: "unread", locked: "locked", pinned: "pinned",
    back: "Back", offline: "Connection lost, reconnecting…", online: "Connected",
    notifications_empty: "No notification yet.", mark_read: "Mark all as read",
    quit_title: "My quit", quit_date: "Quit date", cigs: "Cigarettes a day (before quitting)",
    pack_price: "Price of a pack (€)", pack_size: "Cigarettes per pack",
    share: "Who sees my journey?", share_private: "Only me", share_groups: "Members of my groups (to be celebrated)",
    save: "Save", saved: "Saved.",
    progress_title: "My journey", days: "days without tobacco", days_until: "Quit day in {n} day(s). We are here for you.",
    not_smoked: "cigarettes not smoked", saved_money: "saved", regained: "of life regained",
    next_milestone: "Next milestone", badges: "Badges earned", no_quit: "Enter your quit date to follow your progress.",
    set_quit: "Enter my quit date", source: "Source",
    join_requests: "Join requests", approve: "Approve", reject: "Reject", reject_reason: "Reason (shown to the person only)",
    reports: "Reports", hide: "Hide", remind_rules: "Remind the rules", mute: "Mute (1 h)", dismiss: "Dismiss",
    celebrations: "Today's celebrated", congratulated: "Congratulated", congratulate: "I congratulated",
    by: "by", scheduled: "Scheduled posts", audit: "Moderation log",
    repeat: "Repeat", once: "Once", daily: "Every day", weekly: "Every week", at: "Date and time", time: "Time",
    weekdays: "Days", timezone: "Time zone", schedule: "Schedule", delete: "Delete", next_at: "Next publication",
    nothing: "Nothing yet.", loading: "Loading…",
    day_names: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    error_network: "Colibri cannot be reached. Check your connection; we keep trying.",
    error_generic: "Something went wrong. Please try again in a moment.",
    session_over: "Your session has ended: please log in again.",
    held: "Your message will be published once a moderator has read it.",
    help: "Need to talk to someone right now? Tabac Info Service: 39 89 (free call, France).",
    verify_title: "Email address confirmation", verified: "Thank you, your email address is confirmed.",
    resend: "Send the link again", resent: "A new link is on its way. Check your spam folder too.",
    verify_banner: "Confirm your email address: a link was sent to you.",
    forgot_link: "Forgotten password?", forgot_title: "Forgotten password",
    forgot_text: "Enter your account's email address: we send a link there to choose a new password.",
    send_link: "Send the link",
    reset_sent: "If an account uses this address, a link is on its way. It works for one hour.",
    reset_title: "New password", new_password: "New password",
    reset_done: "Password changed. Log in with the new one.",
    account: "My account", email_verified: "confirmed", email_unverified: "to confirm",
    pending_email: "New address waiting for confirmation: {email}. Open the link sent to that address.",
    change_password: "Change password", current_password: "Current password",
    password_changed: "Password changed. Your other sessions were closed.",
    change_email: "Change email address", new_email: "New email address",
    new_email_hint: "It counts only once confirmed by the link we send there.",
    email_link_sent: "A confirmation link was sent to the new address. Your other sessions were closed.",
    delete_account: "Delete my account",
    delete_text: "Everything you wrote will be erased, your memberships and private messages too. This is final.",
    delete_sure: "I understand this is final.", delete_tick: "Tick the box to confirm.",
    deleted_account: "Your account is deleted. Take care of yourself.",
  },
};

export let lang = localStorage.getItem("colibri.lang") === "en" ? "en" : "fr";

export function setLang(l) {
  lang = l === "en" ? "en" : "fr";
  localStorage.setItem("colibri.lang", lang);
  document.documentElement.lang = lang;
}

// t("typing_one", {who: "Léa"})
export function t(key, vars = {}) {
  let s = texts[lang][key] ?? texts.fr[key] ?? key;
  if (typeof s === "string") for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

const locales = { fr: "fr-FR", en: "en-GB" };
export function time(iso) {
  return new Date(iso).toLocaleString(locales[lang], { dateStyle: "short", timeStyle: "short" });
}
export function day(isoDate) {
  return new Date(`${isoDate}T12:00:00Z`).toLocaleDateString(locales[lang], { dateStyle: "long", timeZone: "UTC" });
}
export function money(cents) {
  return (cents / 100).toLocaleString(locales[lang], { style: "currency", currency: "EUR" });
}
export function number(n) {
  return Number(n).toLocaleString(locales[lang]);
}
