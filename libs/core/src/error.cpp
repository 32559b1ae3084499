#include "colibri/core/result.hpp"

namespace colibri::core {

std::string_view code_string(errc e) {
  switch (e) {
    case errc::invalid_json:
      return "invalid_json";
    case errc::validation_failed:
      return "validation_failed";
    case errc::unauthenticated:
      return "unauthenticated";
    case errc::forbidden:
      return "forbidden";
    case errc::not_found:
      return "not_found";
    case errc::method_not_allowed:
      return "method_not_allowed";
    case errc::conflict:
      return "conflict";
    case errc::payload_too_large:
      return "payload_too_large";
    case errc::rate_limited:
      return "rate_limited";
    case errc::unavailable:
      return "unavailable";
    case errc::internal:
      return "internal";
  }
  return "internal";
}

int http_status(errc e) {
  switch (e) {
    case errc::invalid_json:
      return 400;
    case errc::validation_failed:
      return 400;
    case errc::unauthenticated:
      return 401;
    case errc::forbidden:
      return 403;
    case errc::not_found:
      return 404;
    case errc::method_not_allowed:
      return 405;
    case errc::conflict:
      return 409;
    case errc::payload_too_large:
      return 413;
    case errc::rate_limited:
      return 429;
    case errc::unavailable:
      return 503;
    case errc::internal:
      return 500;
  }
  return 500;
}

error default_error(errc c) {
  switch (c) {
    case errc::invalid_json:
      return error::make(c,
                         {"Le corps de la requête n'est pas un JSON valide.", "The request body is not valid JSON."});
    case errc::validation_failed:
      return error::make(c, {"Certaines informations sont invalides.", "Some fields are invalid."});
    case errc::unauthenticated:
      return error::make(c, {"Merci de vous connecter.", "Please log in."});
    case errc::forbidden:
      return error::make(c, {"Vous n'avez pas accès à cette ressource.", "You do not have access to this resource."});
    case errc::not_found:
      return error::make(c, {"Cette ressource n'existe pas.", "This resource does not exist."});
    case errc::method_not_allowed:
      return error::make(c, {"Cette méthode n'est pas permise ici.", "This method is not allowed here."});
    case errc::conflict:
      return error::make(c, {"Cette ressource existe déjà.", "This resource already exists."});
    case errc::payload_too_large:
      return error::make(c, {"La requête est trop volumineuse.", "The request is too large."});
    case errc::rate_limited: {
      auto e = error::make(
          c, {"Trop de tentatives. Merci de patienter un peu.", "Too many attempts. Please wait a little."});
      e.retry_after_s = 60;
      return e;
    }
    case errc::unavailable: {
      auto e = error::make(c, {"Le service est momentanément indisponible. Merci de réessayer dans un instant.",
                               "The service is temporarily unavailable. Please try again in a moment."});
      e.retry_after_s = 5;
      return e;
    }
    case errc::internal:
      break;
  }
  return error::make(errc::internal, {"Une erreur interne est survenue.", "An internal error occurred."});
}

}  // namespace colibri::core
