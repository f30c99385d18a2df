# cmake -DGIT=git -DREPO=dir -DCOMMIT=rev -DOUT=dir -P git-show.cmake
# Writes the previous core's sources (`git show COMMIT:path`) under OUT, at
# build time: the "before" library of the storm benchmark is compiled from
# them, never from a committed copy.
foreach(pair "core/src/rdv.c:src/rdv.c" "core/src/trace.h:src/trace.h"
             "core/include/rdv/rdv.h:include/rdv/rdv.h")
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 from)
  list(GET pair 1 to)
  get_filename_component(dir "${OUT}/${to}" DIRECTORY)
  file(MAKE_DIRECTORY "${dir}")
  execute_process(COMMAND "${GIT}" -C "${REPO}" show "${COMMIT}:${from}"
                  OUTPUT_FILE "${OUT}/${to}.tmp" RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cannot get ${COMMIT}:${from} from ${REPO}: ${err}")
  endif()
  file(RENAME "${OUT}/${to}.tmp" "${OUT}/${to}")
endforeach()
