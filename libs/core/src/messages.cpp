#include "colibri/core/messages.hpp"

#include <array>
#include <cstddef>

namespace colibri::core {

namespace {

struct entry {
  msg id;
  const char* fr;
  const char* en;
};

// In the enum's order (checked at compile time below).
constexpr entry k_catalogue[] = {
    {msg::account_not_found, "Ce compte n'existe pas.", "This account does not exist."},
    {msg::account_suspended, "Ce compte est suspendu : {reason}", "This account is suspended: {reason}"},
    {msg::action_not_for_report, "Cette action ne s'applique pas à ce signalement.",
     "This action does not apply to this report."},
    {msg::address_taken, "Cette adresse est déjà celle d'un autre compte.",
     "This address already belongs to another account."},
    {msg::admins_create_spaces, "Seuls les administrateurs créent des espaces.", "Only administrators create spaces."},
    {msg::admins_only, "Réservé aux administrateurs.", "For administrators only."},
    {msg::already_authenticated, "Cette connexion est déjà identifiée.", "This connection is already authenticated."},
    {msg::already_congratulated, "Déjà félicité par {handle}.", "Already congratulated by {handle}."},
    {msg::already_in_slot, "Vous êtes déjà inscrit·e à un autre créneau de la même séance : annulez-le d'abord.",
     "You are already registered for another slot of the same session: cancel it first."},
    {msg::already_member, "Vous êtes déjà membre de ce groupe.", "You are already a member of this group."},
    {msg::already_published, "Ce message a déjà été publié : programmez-en un nouveau.",
     "This post was already published: schedule a new one."},
    {msg::attendance_closed, "L'émargement est ouvert de 30 minutes avant le début jusqu'à la fin de la séance.",
     "Signing in is open from 30 minutes before the start until the end of the session."},
    {msg::bad_choice, "Valeur non reconnue ; valeurs possibles : {values}.",
     "Unknown value; possible values: {values}."},
    {msg::bad_client_msg_id, "client_msg_id doit faire de 1 à 64 caractères.",
     "client_msg_id must be 1 to 64 characters."},
    {msg::bad_clock_time, "Heure invalide (HH:MM).", "Invalid time (HH:MM)."},
    {msg::bad_credentials, "Adresse e-mail ou mot de passe incorrect.", "Incorrect email address or password."},
    {msg::bad_cursor, "Curseur invalide : reprenez depuis la première page.",
     "Invalid cursor: start again from the first page."},
    {msg::bad_date, "La date doit exister et s'écrire AAAA-MM-JJ.", "The date must exist and read YYYY-MM-DD."},
    {msg::bad_department, "Code de département attendu, par exemple « 44 », « 2A » ou « 971 ».",
     "Expected a département code, such as \"44\", \"2A\" or \"971\"."},
    {msg::bad_dm_user_ids, "user_ids : de 1 à 20 identifiants d'autres personnes.",
     "user_ids: 1 to 20 ids of other people."},
    {msg::bad_doi, "DOI invalide : il commence par « 10. » et contient une barre oblique (10.1000/xyz).",
     "Invalid DOI: it starts with \"10.\" and contains a slash (10.1000/xyz)."},
    {msg::bad_email, "Cette adresse e-mail ne semble pas valide.", "This email address does not look valid."},
    {msg::bad_event_kind, "Type d'événement inconnu.", "Unknown event kind."},
    {msg::bad_filename, "Nom de fichier invalide (1 à 200 caractères, sans / ni \\ ni guillemets).",
     "Invalid file name (1 to 200 characters, without /, \\ or quotes)."},
    {msg::bad_id, "{name} doit être un identifiant positif.", "{name} must be a positive id."},
    {msg::bad_instant, "La date doit s'écrire comme 2026-12-24T18:00:00+01:00.",
     "The instant must read like 2026-12-24T18:00:00+01:00."},
    {msg::bad_limit, "limit doit être un entier entre 1 et {max}.", "limit must be an integer between 1 and {max}."},
    {msg::bad_local_datetime, "Heure locale attendue : AAAA-MM-JJTHH:MM, entre 2000 et 2100.",
     "Expected a local time: YYYY-MM-DDTHH:MM, between 2000 and 2100."},
    {msg::bad_locale, "La langue doit être « fr » ou « en ».", "The language must be \"fr\" or \"en\"."},
    {msg::bad_mute_until, "until doit être une date RFC 3339 dans le futur.",
     "until must be an RFC 3339 time in the future."},
    {msg::bad_password, "Mot de passe incorrect.", "Incorrect password."},
    {msg::bad_phone, "Numéro de téléphone invalide (chiffres, espaces, points, + ou -).",
     "Invalid phone number (digits, spaces, dots, + or -)."},
    {msg::bad_position, "Position invalide : « latitude,longitude » en degrés (47.218,-1.553).",
     "Invalid position: \"latitude,longitude\" in degrees (47.218,-1.553)."},
    {msg::bad_postcode, "Code postal invalide (5 caractères, par exemple 44000 ou 20A00).",
     "Invalid postcode (5 characters, such as 44000 or 20A00)."},
    {msg::bad_radius, "Rayon invalide : un nombre de kilomètres entre 0 et 500.",
     "Invalid radius: a number of kilometres between 0 and 500."},
    {msg::bad_repeat, "repeat : « once », « daily » ou « weekly ».", "repeat: \"once\", \"daily\" or \"weekly\"."},
    {msg::bad_report_action, "Action inconnue : dismiss, hide, remind_rules, mute ou remove.",
     "Unknown action: dismiss, hide, remind_rules, mute or remove."},
    {msg::bad_report_reason, "Motif inconnu : abuse, spam, dangerous_advice, distress, privacy ou other.",
     "Unknown reason: abuse, spam, dangerous_advice, distress, privacy or other."},
    {msg::bad_report_state, "state : open ou resolved.", "state: open or resolved."},
    {msg::bad_request_id, "L'identifiant de requête doit être un texte court ou un entier.",
     "The request id must be a short string or an integer."},
    {msg::bad_request_state, "state : pending, approved ou rejected.", "state: pending, approved or rejected."},
    {msg::bad_rpps, "Numéro RPPS attendu : 11 chiffres.", "Expected an RPPS number: 11 digits."},
    {msg::bad_setpos, "setpos : de 1 à 4, ou -1 pour le dernier du mois (avec byday, en mensuel).",
     "setpos: 1 to 4, or -1 for the last of the month (with byday, monthly)."},
    {msg::bad_share, "share : « private » ou « groups ».", "share: \"private\" or \"groups\"."},
    {msg::bad_slot_groups, "slot_groups : des listes d'au moins deux numéros de séance, chacun dans une seule liste.",
     "slot_groups: lists of at least two session numbers, each in one list only."},
    {msg::bad_time_of_day, "L'heure doit s'écrire HH:MM, de 00:00 à 23:59.",
     "The time must read HH:MM, from 00:00 to 23:59."},
    {msg::bad_timezone, "Ce fuseau horaire est inconnu (exemple : « Europe/Paris »).",
     "This time zone is unknown (for example \"Europe/Paris\")."},
    {msg::bad_unread, "unread : true ou false.", "unread: true or false."},
    {msg::bad_url, "Adresse web attendue (https://…).", "Expected a web address (https://…)."},
    {msg::bad_watched_action, "action : flag, hold ou block.", "action: flag, hold or block."},
    {msg::bad_weekday, "byday : MO, TU, WE, TH, FR, SA ou SU.", "byday: MO, TU, WE, TH, FR, SA or SU."},
    {msg::before_or_after, "Indiquez « before » ou « after », pas les deux.",
     "Give \"before\" or \"after\", not both."},
    {msg::blocked_word, "Ce message contient un terme que ce groupe n'accepte pas. Merci de le reformuler.",
     "This message holds a term this group does not accept. Please rephrase it."},
    {msg::body_not_object, "Le corps de la requête doit être un objet JSON.",
     "The request body must be a JSON object."},
    {msg::body_not_utf8, "Le texte envoyé n'est pas de l'UTF-8 valide.", "The text sent is not valid UTF-8."},
    {msg::calendar_feed_not_found, "Ce calendrier n'existe pas ou a été remplacé.",
     "This calendar does not exist or was replaced."},
    {msg::cannot_suspend_self, "Vous ne pouvez pas suspendre votre propre compte.",
     "You cannot suspend your own account."},
    {msg::cannot_write_conversation, "Vous ne pouvez pas écrire dans cette conversation.",
     "You cannot write in this conversation."},
    {msg::cannot_write_here, "Vous ne pouvez pas écrire dans ce groupe pour le moment.",
     "You cannot write in this group for now."},
    {msg::capacity_below_registered,
     "{count} personnes sont déjà inscrites : la capacité ne peut pas descendre en dessous.",
     "{count} people are already registered: the capacity cannot go below that."},
    {msg::celebration_not_found, "Cette célébration n'existe pas.", "This celebration does not exist."},
    {msg::celebrations_today_or_yesterday, "Seules les fêtes d'aujourd'hui et d'hier se consultent.",
     "Only today's and yesterday's celebrations can be read."},
    {msg::certificate_body,
     "Nous attestons que {name} a participé à « {title} » ({group}), d'une durée de {minutes} minutes.",
     "We certify that {name} took part in \"{title}\" ({group}), lasting {minutes} minutes."},
    {msg::certificate_signed, "Présence enregistrée le", "Attendance recorded on"},
    {msg::certificate_title, "Attestation de présence", "Certificate of attendance"},
    {msg::certificate_when, "Date et heure", "Date and time"},
    {msg::conflict, "Cette ressource existe déjà.", "This resource already exists."},
    {msg::date_before_1950, "La date ne peut pas être antérieure à 1950.", "The date cannot be before 1950."},
    {msg::default_rules, "Bienveillance, respect et entraide : ici, personne n'est jugé.",
     "Kindness, respect and mutual help: nobody is judged here."},
    {msg::dm_shared_group_only, "Vous ne pouvez écrire qu'aux personnes avec qui vous partagez un groupe.",
     "You can only write to people you share a group with."},
    {msg::document_not_found, "Ce document n'existe pas.", "This document does not exist."},
    {msg::duplicate_occurrence, "Deux séances à la même heure locale.", "Two sessions at the same local time."},
    {msg::email_taken, "Un compte existe déjà avec cette adresse e-mail.",
     "An account already uses this email address."},
    {msg::field_empty, "Ce champ ne peut pas être vide.", "This field cannot be empty."},
    {msg::field_not_boolean, "Ce champ doit valoir true ou false.", "This field must be true or false."},
    {msg::field_not_integer, "Ce champ doit être un nombre entier.", "This field must be an integer."},
    {msg::field_not_object, "Ce champ doit être un objet.", "This field must be an object."},
    {msg::field_not_string, "Ce champ doit être un texte.", "This field must be a string."},
    {msg::field_not_utf8, "Ce texte n'est pas de l'UTF-8 valide.", "This text is not valid UTF-8."},
    {msg::field_required, "Ce champ est obligatoire.", "This field is required."},
    {msg::file_content_mismatch,
     "Le contenu du fichier ne correspond pas au type annoncé (ou ce type de contenu n'est pas accepté).",
     "The file's content does not match its declared type (or this kind of content is not accepted)."},
    {msg::file_type_refused,
     "Ce type de fichier n'est pas accepté : PDF, OpenDocument, Word, Excel, PowerPoint, PNG, JPEG ou texte brut.",
     "This file type is not accepted: PDF, OpenDocument, Word, Excel, PowerPoint, PNG, JPEG or plain text."},
    {msg::forbidden, "Vous n'avez pas accès à cette ressource.", "You do not have access to this resource."},
    {msg::frame_not_object, "Chaque message doit être un objet JSON.", "Each frame must be a JSON object."},
    {msg::group_not_found, "Ce groupe n'existe pas.", "This group does not exist."},
    {msg::handle_mixed_scripts,
     "Le pseudo mélange plusieurs alphabets (par exemple latin et cyrillique) : gardez-en un seul.",
     "The handle mixes alphabets (Latin and Cyrillic, for example): keep to one."},
    {msg::handle_reserved, "Ce pseudo est réservé. Merci d'en choisir un autre.",
     "This handle is reserved. Please choose another."},
    {msg::handle_shape,
     "Le pseudo doit faire de 2 à 32 caractères : lettres, chiffres, espaces, « _ », « . » ou « - ».",
     "The handle must be 2 to 32 characters: letters, digits, spaces, '_', '.' or '-'."},
    {msg::handle_taken, "Ce pseudo est déjà pris. Merci d'en choisir un autre.",
     "This handle is taken. Please choose another."},
    {msg::held_post_not_found, "Ce message retenu n'existe pas.", "This held post does not exist."},
    {msg::hello_first, "Le premier message doit être « hello ».", "The first frame must be \"hello\"."},
    {msg::integer_list, "Ce champ doit être une liste de 1 à {max} nombres entiers.",
     "This field must be a list of 1 to {max} integers."},
    {msg::integer_list_item, "Chaque nombre doit être un entier compris entre {min} et {max}.",
     "Each number must be an integer between {min} and {max}."},
    {msg::internal, "Une erreur interne est survenue.", "An internal error occurred."},
    {msg::intervision_professional_only, "Les intervisions n'ont lieu que dans les groupes d'un espace professionnel.",
     "Intervisions take place only in the groups of a professional space."},
    {msg::invalid_json, "Le corps de la requête n'est pas un JSON valide.", "The request body is not valid JSON."},
    {msg::invalid_reaction, "Réaction invalide.", "Invalid reaction."},
    {msg::invalid_reply, "Réponse invalide.", "Invalid reply."},
    {msg::invitation_invalid, "Cette invitation n'existe pas ou n'est plus valable.",
     "This invitation does not exist or has expired."},
    {msg::invitation_needs_verified_email,
     "Cette invitation est liée à votre adresse e-mail : confirmez-la d'abord (lien reçu par courriel), puis rouvrez "
     "l'invitation.",
     "This invitation is bound to your email address: confirm it first (link sent by mail), then open the invitation "
     "again."},
    {msg::invitation_only, "Ce groupe est accessible sur invitation seulement.", "This group is by invitation only."},
    {msg::join_request_not_found, "Cette demande n'existe pas.", "This request does not exist."},
    {msg::journey_not_shared, "Cette personne n'existe pas ou ne partage pas son parcours.",
     "This person does not exist or does not share their journey."},
    {msg::json_duplicate_key, "Le JSON contient une clé en double : {key}.", "The JSON has a duplicate key: {key}."},
    {msg::json_too_deep, "Le JSON est trop imbriqué.", "The JSON is nested too deeply."},
    {msg::json_too_deep_or_large, "Le JSON est trop imbriqué ou trop grand.",
     "The JSON is nested too deeply or too large."},
    {msg::json_too_many_keys, "Un objet JSON a plus de {max} clés.", "A JSON object has more than {max} keys."},
    {msg::last_owner, "Le groupe doit garder au moins un responsable : nommez-en un autre d'abord.",
     "The group must keep an owner: appoint another one first."},
    {msg::left_parent_group, "Cette personne n'est plus membre du groupe parent.",
     "This person is no longer a member of the parent group."},
    {msg::link_invalid, "Ce lien n'est plus valable (déjà utilisé ou expiré). Demandez-en un nouveau.",
     "This link no longer works (already used or expired). Ask for a new one."},
    {msg::location_required, "Indiquez le lieu d'une séance en présentiel ou hybride.",
     "Give the place of an in-person or hybrid session."},
    {msg::malformed_http, "La requête HTTP est mal formée.", "The HTTP request is malformed."},
    {msg::max_cases_intervision_only, "max_cases ne s'applique qu'aux intervisions.",
     "max_cases applies to intervisions only."},
    {msg::meeting_cancelled, "Cette séance est annulée : plus d'inscription possible.",
     "This session is cancelled: no more sign-ups."},
    {msg::meeting_full, "Cette séance est complète.", "This session is full."},
    {msg::meeting_not_found, "Cette rencontre n'existe pas.", "This meeting does not exist."},
    {msg::meeting_over, "Cette séance est terminée.", "This session is over."},
    {msg::members_only, "Ce contenu est réservé aux membres du groupe.",
     "This content is for the group's members only."},
    {msg::message_length, "Le message doit contenir entre 1 et {max} caractères.",
     "The message must be between 1 and {max} characters long."},
    {msg::message_not_found, "Ce message n'existe pas ou a été supprimé.",
     "This message does not exist or was deleted."},
    {msg::method_not_allowed, "Cette méthode n'est pas permise ici.", "This method is not allowed here."},
    {msg::missing_author, "Auteur manquant.", "Missing author."},
    {msg::missing_target, "Le message visé est manquant.", "The target message is missing."},
    {msg::moderators_only, "Réservé aux modérateurs du groupe.", "For the group's moderators only."},
    {msg::mute_needs_minutes, "Indiquez la durée de la mise en sourdine (minutes).",
     "Give the mute's duration (minutes)."},
    {msg::no_certificate, "Pas d'attestation : votre présence n'a pas été enregistrée pour cette séance.",
     "No certificate: your attendance was not recorded for this session."},
    {msg::not_a_member, "Cette personne n'est pas membre du groupe.", "This person is not a member of the group."},
    {msg::not_found, "Cette ressource n'existe pas.", "This resource does not exist."},
    {msg::nul_character, "Le texte contient un caractère interdit (U+0000).",
     "The text holds a forbidden character (U+0000)."},
    {msg::number_out_of_range, "Ce nombre est hors limites ou n'est pas entier.",
     "This number is out of range or not an integer."},
    {msg::number_range, "Ce nombre doit être compris entre {min} et {max}.",
     "This number must be between {min} and {max}."},
    {msg::occurrence_not_found, "Cette séance n'existe pas.", "This session does not exist."},
    {msg::occurrences_or_recurrence, "Donnez soit occurrences (des heures locales), soit recurrence, pas les deux.",
     "Give either occurrences (local times) or recurrence, not both."},
    {msg::only_messages_posted, "Seuls les messages (« message ») se publient ici.",
     "Only messages (\"message\") are posted here."},
    {msg::organisers_only, "Réservé aux organisateurs de cette rencontre.", "For this meeting's organisers only."},
    {msg::own_messages_only, "Vous ne pouvez modifier que vos propres messages.",
     "You can only change your own messages."},
    {msg::owners_act_on_moderators, "Seuls les responsables du groupe agissent sur un modérateur ou un responsable.",
     "Only the group's owners act on a moderator or an owner."},
    {msg::owners_change_access, "Seuls les responsables du groupe changent qui peut le voir et y entrer.",
     "Only the group's owners change who may see and enter it."},
    {msg::owners_only, "Réservé aux responsables du groupe.", "For the group's owners only."},
    {msg::pack_price_and_size, "Le prix et la taille du paquet vont ensemble.",
     "Pack price and pack size go together."},
    {msg::parent_first, "Rejoignez d'abord le groupe parent « {group} ».", "Join the parent group \"{group}\" first."},
    {msg::parent_not_found, "Le groupe parent n'existe pas.", "The parent group does not exist."},
    {msg::payload_too_large, "La requête est trop volumineuse.", "The request is too large."},
    {msg::person_not_found, "Cette personne n'existe pas.", "This person does not exist."},
    {msg::professional_space_only, "Le profil professionnel est réservé aux membres d'un espace professionnel.",
     "The professional profile is for members of a professional space."},
    {msg::quit_date_within_a_year, "La date d'arrêt peut être au plus dans un an.",
     "The quit date can be at most a year ahead."},
    {msg::rate_limited, "Trop de tentatives. Merci de patienter un peu.", "Too many attempts. Please wait a little."},
    {msg::reaction_needs_on, "Indiquez si la réaction est ajoutée ou retirée.",
     "Say whether the reaction is added or removed."},
    {msg::reference_moderators_only, "Seuls les modérateurs du groupe peuvent faire d'un document une référence.",
     "Only the group's moderators can make a document a reference."},
    {msg::referral_code_invalid, "Ce code d'orientation n'est pas valable pour ce groupe.",
     "This referral code is not valid for this group."},
    {msg::referral_professionals_only,
     "Seuls les professionnels (membres d'un espace professionnel, avec leur profil) créent des codes d'orientation.",
     "Only professionals (members of a professional space, with their profile) create referral codes."},
    {msg::referral_request_groups_only,
     "Un code d'orientation s'utilise pour un groupe d'entraide qui accueille sur demande.",
     "A referral code is for a self-help group that admits people on request."},
    {msg::register_first, "Inscrivez-vous d'abord à cette séance.", "Register for this session first."},
    {msg::reply_target_missing, "Le message auquel vous répondez n'existe pas dans ce salon.",
     "The message you reply to does not exist in this room."},
    {msg::report_direct_needs_group, "Pour un message privé, indiquez le groupe que vous partagez avec cette personne.",
     "For a direct message, name the group you share with this person."},
    {msg::report_message_needs_room_and_seq, "Un message se désigne par room et seq.",
     "A message is named by room and seq."},
    {msg::report_needs_group, "Indiquez le groupe où cela s'est passé.", "Say in which group it happened."},
    {msg::report_needs_target, "Signalez un message (room, seq) ou une personne (user_id).",
     "Report a message (room, seq) or a person (user_id)."},
    {msg::report_not_found, "Ce signalement n'existe pas.", "This report does not exist."},
    {msg::report_resolved, "Ce signalement est déjà traité.", "This report is already resolved."},
    {msg::representatives_only, "Seuls les représentants de la structure et les administrateurs peuvent la modifier.",
     "Only the structure's representatives and the admins can edit it."},
    {msg::request_pending, "Votre demande est déjà en attente.", "Your request is already pending."},
    {msg::room_not_found, "Ce salon n'existe pas.", "This room does not exist."},
    {msg::same_address, "C'est déjà l'adresse de votre compte.", "This is already your account's address."},
    {msg::schedule_needs_at, "Indiquez quand publier ce message (at).", "Say when to publish this post (at)."},
    {msg::schedule_needs_time, "Indiquez l'heure de publication (time, HH:MM).",
     "Say at what time to publish (time, HH:MM)."},
    {msg::schedule_needs_weekdays, "Indiquez les jours (weekdays, 1 = lundi … 7 = dimanche).",
     "Say on which days (weekdays, 1 = Monday … 7 = Sunday)."},
    {msg::schedule_within_a_year, "Choisissez un moment dans l'année qui vient.",
     "Choose an instant within the coming year."},
    {msg::scheduled_post_not_found, "Ce message programmé n'existe pas.", "This scheduled post does not exist."},
    {msg::session_expired, "Votre session a expiré ou n'est plus valide. Merci de vous reconnecter.",
     "Your session has expired or is no longer valid. Please log in again."},
    {msg::string_list, "Ce champ doit être une liste d'au plus {max} textes.",
     "This field must be a list of at most {max} texts."},
    {msg::structure_not_found, "Cette structure n'existe pas dans l'annuaire.",
     "This structure is not in the directory."},
    {msg::text_frames_only, "Seuls les messages texte (JSON) sont acceptés.", "Only text (JSON) frames are accepted."},
    {msg::text_length, "Ce texte doit contenir entre {min} et {max} caractères.",
     "This text must be between {min} and {max} characters long."},
    {msg::thread_locked, "Cette discussion est verrouillée.", "This thread is locked."},
    {msg::thread_not_found, "Cette discussion n'existe pas.", "This thread does not exist."},
    {msg::too_many_rooms, "Trop de salons suivis sur cette connexion ({max} au plus).",
     "Too many rooms followed on this connection (at most {max})."},
    {msg::too_many_sockets, "Trop de connexions ouvertes pour ce compte. Fermez un autre onglet ou appareil.",
     "Too many open connections for this account. Close another tab or device."},
    {msg::unauthenticated, "Merci de vous connecter.", "Please log in."},
    {msg::unavailable, "Le service est momentanément indisponible. Merci de réessayer dans un instant.",
     "The service is temporarily unavailable. Please try again in a moment."},
    {msg::unknown_frame, "Type de message inconnu : {type}.", "Unknown frame type: {type}."},
    {msg::validation_failed, "Certaines informations sont invalides.", "Some fields are invalid."},
    {msg::version_not_found, "Cette version du document n'existe pas.", "This version of the document does not exist."},
    {msg::watch_duplicate, "Cette référence est déjà dans la veille du groupe.",
     "This reference is already in the group's watch."},
    {msg::watched_rule_not_object, "Chaque règle est un objet {pattern, action}.",
     "Each rule is an object {pattern, action}."},
    {msg::watched_rules_list, "rules : une liste d'au plus 500 règles.", "rules: a list of at most 500 rules."},
    {msg::welcome_team_moderated, "L'équipe d'accueil doit être un groupe que vous modérez.",
     "The welcome team must be a group you moderate."},
    {msg::welcome_team_same_space, "L'équipe d'accueil doit être dans le même espace.",
     "The welcome team must be in the same space."},
    {msg::note_group_without_owner, "Un groupe sans responsable", "A group without an owner"},
    {msg::note_group_without_owner_body, "Le groupe « {group} » n'a plus de responsable ni de modérateur.",
     "The group \"{group}\" has no owner or moderator left."},
    {msg::note_join_request, "Nouvelle demande pour « {group} »", "New request for \"{group}\""},
    {msg::note_join_request_body, "{handle} demande à rejoindre le groupe.", "{handle} asks to join the group."},
    {msg::note_meeting_cancelled, "Séance annulée : {title}", "Session cancelled: {title}"},
    {msg::note_meeting_cancelled_body, "La séance du {when} est annulée. Motif : {reason}",
     "The session of {when} is cancelled. Reason: {reason}"},
    {msg::note_meeting_promoted, "Une place s'est libérée : vous êtes inscrit·e",
     "A seat opened up: you are registered"},
    {msg::note_meeting_promoted_body, "« {title} », {when}.", "\"{title}\", {when}."},
    {msg::note_meeting_reminder, "Rappel : {title}", "Reminder: {title}"},
    {msg::note_meeting_reminder_day_body, "Demain : {when}.", "Tomorrow: {when}."},
    {msg::note_meeting_reminder_hour_body, "Dans une heure : {when}.", "In an hour: {when}."},
    {msg::note_moderators_word, "Message de la modération", "A word from the moderators"},
    {msg::note_muted_because, "Vous ne pourrez pas écrire dans « {group} » jusqu'au {until} (UTC). Motif : {reason}",
     "You cannot write in \"{group}\" until {until} (UTC). Reason: {reason}"},
    {msg::note_muted_body,
     "Vous ne pourrez pas écrire dans « {group} » jusqu'au {until} (UTC). Vous pouvez toujours lire les échanges.",
     "You cannot write in \"{group}\" until {until} (UTC). You can still read the conversations."},
    {msg::note_new_report, "Nouveau signalement", "New report"},
    {msg::note_new_report_body, "Un signalement attend votre attention dans « {group} ».",
     "A report awaits your attention in \"{group}\"."},
    {msg::note_newcomer, "Un nouveau membre à accueillir", "A newcomer to greet"},
    {msg::note_newcomer_body, "{handle} vient de rejoindre « {group} ». Un petit mot de bienvenue ?",
     "{handle} has just joined \"{group}\". A word of welcome?"},
    {msg::note_post_flagged, "Message signalé", "Post flagged"},
    {msg::note_post_flagged_body, "Un message contient le mot surveillé « {word} ».",
     "A post holds the watched word \"{word}\"."},
    {msg::note_post_held, "Un message attend votre validation", "A post awaits your approval"},
    {msg::note_post_held_body, "Un message retenu par le mot surveillé « {word} » attend votre décision.",
     "A post held by the watched word \"{word}\" awaits your decision."},
    {msg::note_post_rejected_body, "Votre message n'a pas été publié dans « {group} ». N'hésitez pas à le reformuler.",
     "Your post was not published in \"{group}\". Feel free to rephrase it."},
    {msg::note_removed_body, "Vous ne faites plus partie de « {group} ».",
     "You are no longer a member of \"{group}\"."},
    {msg::note_request_declined, "Votre demande pour « {group} »", "Your request for \"{group}\""},
    {msg::note_request_declined_because,
     "Votre demande n'a pas été acceptée. Motif : {reason} Vous pouvez en refaire une quand vous le souhaitez.",
     "Your request was not accepted. Reason: {reason} You may ask again whenever you wish."},
    {msg::note_request_declined_body,
     "Votre demande n'a pas été acceptée. Vous pouvez en refaire une quand vous le souhaitez.",
     "Your request was not accepted. You may ask again whenever you wish."},
    {msg::note_rules_reminder, "Un petit rappel des règles", "A gentle reminder of the rules"},
    {msg::note_rules_reminder_body,
     "L'équipe de modération de « {group} » vous rappelle les règles du groupe, pour que chacun s'y sente bien.{rules}",
     "The moderators of \"{group}\" remind you of the group's rules, so that everyone feels welcome.{rules}"},
    {msg::note_watch_digest, "Veille de la semaine : {count} nouvelle(s) référence(s)",
     "This week's watch: {count} new reference(s)"},
    {msg::note_watch_digest_body, "Au programme : {titles}", "Featured: {titles}"},
    {msg::note_welcome, "Bienvenue dans « {group} »", "Welcome to \"{group}\""},
    {msg::note_welcome_body,
     "Nous sommes heureux de vous accueillir. Voici les règles du groupe :\n\n{rules}\n\nBesoin d'aide, à toute heure "
     "? Écrivez dans le salon du groupe : quelqu'un vous répondra. Les modérateurs sont là pour vous. Vous pouvez "
     "aussi appeler Tabac Info Service au 39 89 (service gratuit).",
     "We are glad to welcome you. Here are the group's rules:\n\n{rules}\n\nNeed help, at any hour? Write in the "
     "group's room: someone will answer. The moderators are there for you. You can also call Tabac Info Service on 39 "
     "89 (free service)."},
    {msg::mail_address_in_use_body,
     "Bonjour,\n\nQuelqu'un a voulu lier cette adresse à un autre compte Colibri ; elle est déjà celle de votre "
     "compte, rien n'a changé. Si c'était vous et que vous avez oublié votre mot de passe : {url}/#/forgot",
     "Hello,\n\nSomeone tried to link this address to another Colibri account; it already belongs to your account, "
     "nothing changed. If this was you and you forgot your password: {url}/#/forgot"},
    {msg::mail_address_in_use_subject, "Cette adresse a déjà un compte Colibri",
     "This address already has a Colibri account"},
    {msg::mail_change_notice_body,
     "Bonjour {handle},\n\nUne nouvelle adresse e-mail a été demandée pour votre compte Colibri ; elle ne comptera "
     "qu'une fois confirmée depuis cette nouvelle adresse. Les autres sessions ouvertes ont été fermées.\n\nSi ce "
     "n'était pas vous, choisissez sans attendre un nouveau mot de passe (« Mot de passe oublié ») : {url}/#/forgot",
     "Hello {handle},\n\nA new email address was asked for your Colibri account; it counts only once confirmed from "
     "that address. Your other open sessions were closed.\n\nIf this was not you, choose a new password now "
     "(\"Forgotten password\"): {url}/#/forgot"},
    {msg::mail_change_notice_subject, "Changement d'adresse e-mail demandé", "Email address change asked"},
    {msg::mail_meeting_reminder_body,
     "Bonjour {handle},\n\nVous êtes inscrit·e à « {title} » ({group}) : {when}.\n{place}\nLe fichier joint ajoute la "
     "séance à votre agenda. Pour la retrouver ou annuler votre inscription et libérer votre place : {url}\n\nL'équipe "
     "Colibri",
     "Hello {handle},\n\nYou are registered for \"{title}\" ({group}): {when}.\n{place}\nThe attached file adds the "
     "session to your calendar. To find it, or to cancel your registration and free your seat: {url}\n\nThe Colibri "
     "team"},
    {msg::mail_meeting_reminder_subject, "Rappel : {title}, {when}", "Reminder: {title}, {when}"},
    {msg::mail_reset_body,
     "Bonjour {handle},\n\nUn nouveau mot de passe a été demandé pour votre compte Colibri. Pour le choisir, ouvrez ce "
     "lien :\n\n{link}\n\nLe lien est valable une heure et ne sert qu'une fois. Si vous n'avez rien demandé, ignorez "
     "ce message : votre mot de passe ne change pas.",
     "Hello {handle},\n\nA new password was asked for your Colibri account. To choose it, open this "
     "link:\n\n{link}\n\nThe link works for one hour, once. If you did not ask for it, ignore this message: your "
     "password does not change."},
    {msg::mail_reset_subject, "Choisir un nouveau mot de passe Colibri", "Choose a new Colibri password"},
    {msg::mail_verify_email_body,
     "Bonjour {handle},\n\nBienvenue sur Colibri. Pour confirmer votre adresse e-mail (elle vous permettra de "
     "retrouver votre compte si vous oubliez votre mot de passe), ouvrez ce lien :\n\n{link}\n\nLe lien est valable 7 "
     "jours. Si vous n'avez pas créé de compte, ignorez ce message.",
     "Hello {handle},\n\nWelcome to Colibri. To confirm your email address (it lets you recover your account if you "
     "forget your password), open this link:\n\n{link}\n\nThe link works for 7 days. If you did not create an account, "
     "ignore this message."},
    {msg::mail_verify_email_subject, "Bienvenue sur Colibri : confirmez votre adresse e-mail",
     "Welcome to Colibri: confirm your email address"},
    {msg::mail_verify_new_email_body,
     "Bonjour {handle},\n\nVous avez demandé à utiliser cette adresse pour votre compte Colibri. Elle ne comptera "
     "qu'une fois confirmée : ouvrez ce lien pour la confirmer.\n\n{link}\n\nLe lien est valable 7 jours. Si vous "
     "n'avez rien demandé, ignorez ce message : rien ne change.",
     "Hello {handle},\n\nYou asked to use this address for your Colibri account. It counts only once confirmed: open "
     "this link to confirm it.\n\n{link}\n\nThe link works for 7 days. If you did not ask for this, ignore this "
     "message: nothing changes."},
    {msg::mail_verify_new_email_subject, "Confirmez votre nouvelle adresse e-mail", "Confirm your new email address"},
    {msg::mail_watch_digest_body,
     "Bonjour {handle},\n\nVoici les nouvelles références de la veille dans vos groupes cette semaine "
     ":\n\n{items}\nToutes les références : {url}\n\nVous recevez ce courriel parce que vous avez demandé le résumé "
     "hebdomadaire de la veille. Pour ne plus le recevoir, décochez-le dans vos préférences : {prefs_url}\n",
     "Hello {handle},\n\nHere are this week's new references in your groups' watch:\n\n{items}\nEvery reference: "
     "{url}\n\nYou receive this mail because you asked for the weekly watch digest. To stop it, untick it in your "
     "preferences: {prefs_url}\n"},
    {msg::mail_watch_digest_subject, "Colibri : la veille de la semaine", "Colibri: this week's watch"},
};
constexpr bool in_enum_order() {
  for (std::size_t i = 0; i < std::size(k_catalogue); ++i)
    if (static_cast<std::size_t>(k_catalogue[i].id) != i) return false;
  return true;
}
static_assert(std::size(k_catalogue) == static_cast<std::size_t>(msg::count_), "one entry per message");
static_assert(in_enum_order(), "the catalogue follows the enum's order");

std::array<text, std::size(k_catalogue)> build() {
  std::array<text, std::size(k_catalogue)> out;
  for (std::size_t i = 0; i < std::size(k_catalogue); ++i) out[i] = text{k_catalogue[i].fr, k_catalogue[i].en};
  return out;
}

}  // namespace

const text& message(msg m) {
  static const auto texts = build();
  return texts.at(static_cast<std::size_t>(m));
}

namespace {
// One pass over the template: a value is never read as a template itself
// (a handle that reads "{link}" stays as written).
std::string fill(const std::string& t, std::initializer_list<std::pair<std::string_view, std::string>> args) {
  std::string out;
  out.reserve(t.size());
  for (std::size_t i = 0; i < t.size();) {
    if (t[i] == '{') {
      auto close = t.find('}', i);
      if (close != std::string::npos) {
        std::string_view name(t.data() + i + 1, close - i - 1);
        const std::string* value = nullptr;
        for (const auto& [k, v] : args)
          if (k == name) value = &v;
        if (value) {
          out += *value;
          i = close + 1;
          continue;
        }
      }
    }
    out += t[i++];
  }
  return out;
}
}  // namespace

text message(msg m, std::initializer_list<std::pair<std::string_view, std::string>> args) {
  const auto& t = message(m);
  return text{fill(t.fr, args), fill(t.en, args)};
}

}  // namespace colibri::core
